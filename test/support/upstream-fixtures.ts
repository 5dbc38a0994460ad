// Every sandbox.opensandbox.io object of the upstream wire contract, ready to submit: the upstream samples,
// the e2e fixtures (Go templates, rendered with the value table below) and the bodies the OpenSandbox server
// creates (spec/server-integration.md §1.2, §1.3, §5, §6.4). Our CRDs and zod schemas must accept all of
// them without losing a field.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, BATCH_SANDBOX, GROUP, POOL, SANDBOX_SNAPSHOT } from '../../api/v1alpha1/index.js';
import { renderGoTemplate, type TemplateData } from './go-template.js';

export const UPSTREAM_DIR_ENV = 'OPENSANDBOX_UPSTREAM_DIR';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function upstreamDir(): string {
  return process.env[UPSTREAM_DIR_ENV] ?? path.resolve(REPO_ROOT, '..', 'shared', 'upstream');
}

type JsonObject = Record<string, unknown>;

export interface UpstreamFixture {
  /** Source file relative to the upstream dir plus document index, e.g. "samples/sandbox_v1alpha1_pool.yaml#0". */
  name: string;
  object: JsonObject;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Placeholder values for the e2e fixtures. Every optional block ({{if .Resources}}, {{if .NodeSelector}},
 * ...) is switched on so its fields are exercised; EnvValue is left unset to take the {{else}} branch of
 * pool-with-update-strategy.yaml. Capacities respect min <= max. Names are shared across files, so fixtures
 * of one kind collide by name: submit them one at a time or rename them.
 */
function e2eValues(namespace: string): TemplateData {
  return {
    Namespace: namespace,
    BatchSandboxName: 'e2e-batchsandbox',
    PoolName: 'e2e-pool',
    SnapshotName: 'e2e-snapshot',
    SandboxName: 'e2e-batchsandbox',
    Replicas: 2,
    SandboxImage: 'busybox:1.36',
    TaskExecutorImage: 'opensandbox/task-executor:dev',
    RegistryImage: 'registry:2',
    ExpireTime: '2099-01-01T00:00:00Z',
    BufferMax: 3,
    BufferMin: 1,
    PoolMax: 5,
    PoolMin: 2,
    RecycleType: 'Restart',
    Command: '["sleep", "3600"]',
    MaxUnavailable: '20%',
    Resources: { cpu: '200m', memory: '128Mi' },
    NodeSelector: { disk: 'ssd' },
    Labels: { accelerator: 'gpu' },
    // Inserted right after "affinity:" at the pod spec's indentation (6 spaces).
    AffinityYAML: [
      '',
      '        nodeAffinity:',
      '          requiredDuringSchedulingIgnoredDuringExecution:',
      '            nodeSelectorTerms:',
      '            - matchExpressions:',
      '              - key: accelerator',
      '                operator: In',
      '                values: ["gpu"]',
    ].join('\n'),
  };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.yaml'))
    .sort();
}

/** Unescaped double quotes in a line (enough for these files: no double quotes in comments or '...' scalars). */
function quoteCount(line: string): number {
  return line.match(/(?<!\\)(?:\\\\)*"/g)?.length ?? 0;
}

/**
 * samples/sandbox_v1alpha1_pool_restart.yaml continues a multi-line "..." scalar on a line indented less
 * than the scalar. Go's YAML parser (kubectl) accepts that; the `yaml` package follows the spec and refuses
 * it. Folding strips a continuation line's leading spaces, so indenting such lines up to the opening quote's
 * column keeps the value and makes the file parse.
 */
function indentQuotedContinuations(source: string): string {
  let openColumn: number | undefined;
  return source
    .split('\n')
    .map((line) => {
      const quotes = quoteCount(line);
      if (openColumn === undefined) {
        if (quotes % 2 === 1) openColumn = line.lastIndexOf('"');
        return line;
      }
      const content = line.trimStart();
      const indent = Math.max(line.length - content.length, openColumn + 1);
      if (quotes % 2 === 1) openColumn = undefined;
      return ' '.repeat(indent) + content;
    })
    .join('\n');
}

function parseDocuments(source: string, file: string): unknown[] {
  return parseAllDocuments(indentQuotedContinuations(source)).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return doc.toJS() as unknown;
  });
}

function isSandboxObject(value: unknown): value is JsonObject & { metadata: JsonObject } {
  return isObject(value) && String(value.apiVersion).startsWith(`${GROUP}/`) && isObject(value.metadata);
}

/** Objects of our group in samples/ and e2e-testdata/ (rendered), moved into `namespace`. */
function fileFixtures(root: string, namespace: string): UpstreamFixture[] {
  const values = e2eValues(namespace);
  return ['samples', 'e2e-testdata'].flatMap((subdir) =>
    yamlFiles(path.join(root, subdir)).flatMap((file) => {
      const relative = `${subdir}/${file}`;
      const raw = readFileSync(path.join(root, subdir, file), 'utf8');
      const source = subdir === 'e2e-testdata' ? renderGoTemplate(raw, values) : raw;
      return parseDocuments(source, relative).flatMap((doc, index) => {
        if (!isSandboxObject(doc)) return [];
        doc.metadata.namespace = namespace;
        return [{ name: `${relative}#${index}`, object: doc }];
      });
    }),
  );
}

/**
 * The server's template file is merged *under* its runtime manifest (template_manager.py): dicts merge
 * recursively, anything else (lists, scalars) from the runtime manifest wins.
 */
function mergeUnder(template: unknown, runtime: unknown): unknown {
  if (!isObject(template) || !isObject(runtime)) return runtime;
  const merged: JsonObject = { ...template };
  for (const [key, value] of Object.entries(runtime)) merged[key] = mergeUnder(template[key], value);
  return merged;
}

const SANDBOX_ID = '3f2b8c4e-9d1a-4b6e-8f0c-5a7d2e1b9c3f';
const SNAPSHOT_ID = '7c1e5a9b-2d4f-4e8a-b6c0-3f9d1e2a4b5c';

/** Template-mode create body as observed on the wire (§1.2), before the template file is merged in. */
function templateModeManifest(namespace: string): JsonObject {
  const labels = { 'opensandbox.io/id': SANDBOX_ID, team: 'qa' };
  const annotations = { 'opensandbox.io/access-renew-extend-seconds': '600' };
  const binMount = { name: 'opensandbox-bin', mountPath: '/opt/opensandbox' };
  return {
    apiVersion: API_VERSION,
    kind: BATCH_SANDBOX.kind,
    metadata: { name: SANDBOX_ID, namespace, labels: { ...labels }, annotations: { ...annotations } },
    spec: {
      replicas: 1,
      expireTime: '2099-11-28T17:45:57.348415+00:00',
      template: {
        metadata: { labels: { ...labels }, annotations: { ...annotations } },
        spec: {
          initContainers: [
            {
              name: 'execd-installer',
              image: 'opensandbox/execd:v1.0.19',
              command: ['/bin/sh', '-c'],
              args: [
                [
                  'cp ./execd /opt/opensandbox/execd',
                  'cp ./bootstrap.sh /opt/opensandbox/bootstrap.sh',
                  'chmod +x /opt/opensandbox/execd',
                  'chmod +x /opt/opensandbox/bootstrap.sh',
                ].join(' && '),
              ],
              volumeMounts: [{ ...binMount }],
            },
          ],
          containers: [
            {
              name: 'sandbox',
              image: 'python:3.11',
              imagePullPolicy: 'IfNotPresent',
              command: ['/opt/opensandbox/bootstrap.sh', 'python', '-m', 'http.server', '8000'],
              env: [
                { name: 'FOO', value: 'bar' },
                { name: 'EXECD', value: '/opt/opensandbox/execd' },
              ],
              resources: {
                limits: { cpu: '500m', memory: '512Mi' },
                requests: { cpu: '500m', memory: '512Mi' },
              },
              volumeMounts: [{ ...binMount }],
            },
          ],
          volumes: [{ name: 'opensandbox-bin', emptyDir: {} }],
        },
      },
    },
  };
}

/**
 * What the server creates in template mode with each shipped template file. The server's second step
 * (appending the template's pod volumes and sandbox-container volumeMounts) is a no-op here: the shipped
 * templates define neither.
 */
function serverTemplateFixtures(root: string, namespace: string): UpstreamFixture[] {
  const dir = path.join(root, 'server-templates');
  return yamlFiles(dir).flatMap((file) => {
    const relative = `server-templates/${file}`;
    return parseDocuments(readFileSync(path.join(dir, file), 'utf8'), relative).map((template, index) => ({
      name: `${relative}#${index}`,
      object: mergeUnder(template, templateModeManifest(namespace)) as JsonObject,
    }));
  });
}

/** Bodies the server sends without a template file: pool mode (§1.3), pool create (§5), snapshot (§6.4). */
function serverBodyFixtures(namespace: string): UpstreamFixture[] {
  return [
    {
      name: 'server: pool-mode BatchSandbox (server-integration.md §1.3)',
      object: {
        apiVersion: API_VERSION,
        kind: BATCH_SANDBOX.kind,
        metadata: { name: SANDBOX_ID, namespace, labels: { 'opensandbox.io/id': SANDBOX_ID } },
        spec: {
          replicas: 1,
          poolRef: 'p1',
          taskTemplate: {
            spec: {
              process: {
                command: ['/bin/sh', '-c', '/opt/opensandbox/bootstrap.sh python app.py &'],
                env: [{ name: 'A', value: '1' }],
              },
            },
          },
          expireTime: '2099-01-01T00:00:00+00:00',
        },
      },
    },
    {
      name: 'server: Pool create (server-integration.md §5)',
      object: {
        apiVersion: API_VERSION,
        kind: POOL.kind,
        metadata: { name: 'p1', namespace },
        spec: {
          template: {
            metadata: { labels: { app: 'sandbox-pool' } },
            spec: {
              containers: [{ name: 'sandbox', image: 'python:3.11', command: ['tail', '-f', '/dev/null'] }],
            },
          },
          capacitySpec: { bufferMax: 2, bufferMin: 1, poolMax: 4, poolMin: 1 },
        },
      },
    },
    {
      name: 'server: SandboxSnapshot create (server-integration.md §6.4)',
      object: {
        apiVersion: API_VERSION,
        kind: SANDBOX_SNAPSHOT.kind,
        metadata: {
          name: `osb-snap-${SNAPSHOT_ID.replaceAll('-', '')}`,
          namespace,
          labels: {
            'opensandbox.io/snapshot-id': SNAPSHOT_ID,
            'opensandbox.io/source-sandbox-id': SANDBOX_ID,
            'opensandbox.io/snapshot-scope': 'public',
          },
        },
        spec: { sandboxName: SANDBOX_ID },
      },
    },
  ];
}

/** All fixtures, each a fresh object in `namespace`. */
export function loadUpstreamFixtures(namespace: string, root = upstreamDir()): UpstreamFixture[] {
  return [...fileFixtures(root, namespace), ...serverTemplateFixtures(root, namespace), ...serverBodyFixtures(namespace)];
}
