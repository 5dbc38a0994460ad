// The import rules of the project (docs/architecture.md), checked by `npm run deps` in ./scripts/test.
// Each folder may import only the folders listed for it; anything else is an upward or sideways import.
// Tools (stack, bench, chaos, images, test) sit above the product and may import anything in it.

/** Folder → the project folders its files may import (besides itself). */
const MAY_IMPORT = {
  // Wire and domain types: CRD shapes, object references, failure types. Below everything.
  api: [],
  // Shared kernel of the operator process: clock, logger, Kubernetes errors and patches, Events, metrics.
  kernel: ['api'],
  // Pure decisions: observed snapshot (+ clock) in, plan out.
  planners: ['api', 'kernel'],
  // Thin I/O adapters that carry out the plans.
  activities: ['api', 'kernel', 'planners'],
  // Deterministic processes: activity contracts only as types (rule workflows-load-no-activity below).
  workflows: ['api', 'kernel', 'planners', 'activities'],
  // The operator's configuration and what it derives directly from it.
  config: ['api', 'kernel', 'planners', 'activities'],
  // Informers and controllers: start and signal workflows.
  watchers: ['api', 'kernel', 'planners', 'activities', 'workflows', 'config'],
  // The Temporal worker: registers workflows and activities.
  workers: ['api', 'kernel', 'planners', 'activities', 'workflows', 'config'],
  // Composition root: the process entry point, its clients and its HTTP server.
  operator: ['api', 'kernel', 'planners', 'activities', 'workflows', 'config', 'watchers', 'workers'],
  // Programs of their own, shipped beside the operator.
  oci: ['api', 'kernel'],
  'task-executor': ['api'],
  'image-committer': ['api', 'kernel', 'planners', 'oci'],
};

const FOLDERS = [...Object.keys(MAY_IMPORT), 'stack', 'bench', 'chaos', 'images', 'test'];

const layerRules = Object.entries(MAY_IMPORT).map(([folder, allowed]) => {
  const forbidden = FOLDERS.filter((other) => other !== folder && !allowed.includes(other));
  return {
    name: `${folder}-imports`,
    comment: `${folder}/ may import only ${allowed.length > 0 ? allowed.join(', ') : 'itself'} (and packages)`,
    severity: 'error',
    from: { path: `^${folder}/` },
    to: { path: `^(${forbidden.join('|')})/` },
  };
});

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle, type-only imports included: a cycle means two files are one concept or a type is in the wrong place.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'workflows-load-no-activity',
      comment: 'The workflow bundle must not load activity code (determinism, bundle size): workflows import activity contracts as types only.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^(activities|kernel)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-no-node',
      comment: 'Workflows are deterministic: no Node built-in modules (time, files, network go through activities).',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'planners-do-no-io',
      comment: 'Planners are pure: of the Node built-ins only crypto (hashing).',
      severity: 'error',
      from: { path: '^planners/' },
      to: { dependencyTypes: ['core'], pathNot: '^crypto$' },
    },
    {
      name: 'planners-use-client-types-only',
      comment: 'Planners take observed objects: of the Kubernetes and Temporal clients they import types only.',
      severity: 'error',
      from: { path: '^planners/' },
      to: { path: '^node_modules/@(kubernetes|temporalio)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'planner-kube-helpers-stand-alone',
      comment: 'planners/kube holds Kubernetes helpers every concept uses: it imports no concept.',
      severity: 'error',
      from: { path: '^planners/kube/' },
      to: { path: '^planners/(?!kube/)' },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import resolves (a moved file leaves no dangling import).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
