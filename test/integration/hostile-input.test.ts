// Hostile and malformed input against the operator as users run it (its own process, issue 13): objects
// the CRDs refuse must be refused naming the field; objects they accept but the operator cannot serve must
// be explained - a status condition with a reason, or a Warning Event - and none may take the operator
// down, stall it for the others or grow it past its memory bound. At the end a good pooled and a good
// non-pooled sandbox are still served, /readyz answers and the process has not restarted.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiException, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { deleteNamespaceAndWait } from '../../bench/bench-run.js';
import { residentMb } from '../../bench/resident-memory.js';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, LABELS } from '../../api/v1alpha1/contract.js';
import { GROUP, SANDBOX_SNAPSHOT, VERSION } from '../../api/v1alpha1/group.js';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import { apiErrorMessage, isApiStatus } from '../../kernel/kube-errors.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';
import { invalidObjects } from '../fixtures/invalid-objects.js';
import { buildIfStale, httpPortOf, killOperators, stackOperatorArgs, startOperator, waitForReady, type OperatorProcess } from '../support/operator-process.js';
import { deny, noJobsNamed } from '../support/admission-policy.js';
import { PoolNamespace } from '../support/pool-namespace.js';
import { testKubeConfig } from '../support/stack.js';

const suffix = randomBytes(4).toString('hex');
const ns = new PoolNamespace(`hostile-${suffix}`);
const { namespace, core } = ns;
const kc = testKubeConfig();
const objects = kc.makeApiClient(CustomObjectsApi);
const generic = KubernetesObjectApi.makeApiClient(kc);
/** The operator's memory bound, MB (the chart's limit is 1 GiB; idle it is ~250 MB). */
const RSS_BOUND_MB = 512;
const EXPLAINED_WITHIN_MS = 90_000;
let operator: OperatorProcess;
let port = 0;
/** Admission policies the cases put in force (cluster-scoped): removed at the end. */
const removePolicies: (() => Promise<void>)[] = [];

beforeAll(async () => {
  buildIfStale();
  await ns.create();
  // A registry on the stack's simulated side: snapshots are planned (and fail for what they name), no push is made.
  operator = startOperator([
    ...stackOperatorArgs(`hostile-${suffix}`),
    '--watch-namespace',
    namespace,
    '--snapshot-registry',
    'registry.kwok.local:5000/hostile',
  ]);
  port = await httpPortOf(operator);
  await waitForReady(operator, port);
}, 180_000);

afterAll(async () => {
  for (const remove of removePolicies) await remove().catch(() => {});
  // The operator removes its finalizers as the namespace goes; then it is stopped.
  await deleteNamespaceAndWait(core, namespace, 90_000).catch(() => {});
  killOperators();
}, 120_000);

function template(spec: Record<string, unknown>): PodTemplate {
  return { spec: { containers: [{ name: 'sandbox', image: 'sandbox:1', ...spec }] } };
}

/** A True condition of that type or reason (whose message holds `message`, if given), a Warning Event, or a failed snapshot naming it. */
type Explanation = { condition: string; message?: string } | { event: string } | { snapshotFailed: string };

interface AcceptedCase {
  name: string;
  create(): Promise<void>;
  explained: Explanation;
}

const sandbox = (name: string) => aBatchSandbox(name, namespace);
/** The whole response body of a refusal (every cause's field path), else its message. */
const apiErrorText = (err: unknown): string => (err instanceof ApiException && typeof err.body === 'string' ? err.body : apiErrorMessage(err));
const create = (bs: BatchSandbox) => () => ns.createSandbox(bs);
const pooledWith = (name: string, annotation: string, value: string) => create(sandbox(name).poolRef('good').annotation(annotation, value).build());

/** Objects the CRDs accept and the operator must explain. */
function acceptedCases(): AcceptedCase[] {
  const cases: AcceptedCase[] = [];
  for (const i of [1, 2, 3, 4, 5, 6]) {
    cases.push({
      name: `missing-pool-${i}`,
      create: create(sandbox(`missing-pool-${i}`).poolRef(`no-such-pool-${i}`).build()),
      explained: { condition: 'PoolNotFound' },
    });
  }
  const malformed: [string, string, string][] = [
    ['status-not-json', ANNOTATIONS.allocStatus, 'not json'],
    ['status-array', ANNOTATIONS.allocStatus, '["a","b"]'],
    ['status-pods-string', ANNOTATIONS.allocStatus, '{"pods":"a"}'],
    ['status-pods-numbers', ANNOTATIONS.allocStatus, '{"pods":[1,2]}'],
    ['status-null', ANNOTATIONS.allocStatus, 'null'],
    ['release-not-json', ANNOTATIONS.allocRelease, '{{'],
    ['release-pods-object', ANNOTATIONS.allocRelease, '{"pods":{"a":1}}'],
    ['released-not-json', ANNOTATIONS.allocReleased, ']'],
  ];
  for (const [name, annotation, value] of malformed) {
    cases.push({
      name: `annotation-${name}`,
      create: pooledWith(`annotation-${name}`, annotation, value),
      explained: { condition: 'AllocationAnnotationInvalid' },
    });
  }
  const refusedPods: [string, Record<string, unknown>][] = [
    ['cpu-banana', { resources: { requests: { cpu: 'banana' } } }],
    ['memory-negative', { resources: { requests: { memory: '-1Gi' } } }],
    ['limit-below-request', { resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }],
    ['port-out-of-range', { ports: [{ containerPort: 70000 }] }],
    ['port-named-too-long', { ports: [{ name: 'a-port-name-far-too-long', containerPort: 80 }] }],
    ['mount-without-volume', { volumeMounts: [{ name: 'nowhere', mountPath: '/data' }] }],
    ['env-from-nothing', { env: [{ name: 'X', valueFrom: {} }] }],
    ['pull-policy-unknown', { imagePullPolicy: 'Sometimes' }],
    ['probe-without-handler', { readinessProbe: { periodSeconds: 1 } }],
    ['protocol-unknown', { ports: [{ containerPort: 80, protocol: 'SCTPX' }] }],
    ['termination-policy-unknown', { terminationMessagePolicy: 'Sometimes' }],
    ['run-as-negative-user', { securityContext: { runAsUser: -1 } }],
  ];
  for (const [name, spec] of refusedPods) {
    cases.push({ name: `pod-${name}`, create: create(sandbox(`pod-${name}`).template(template(spec)).build()), explained: { condition: 'FailedCreate' } });
  }
  cases.push({
    name: 'pod-duplicate-containers',
    create: create(
      sandbox('pod-duplicate-containers')
        .template({
          spec: {
            containers: [
              { name: 'a', image: 'x:1' },
              { name: 'a', image: 'x:1' },
            ],
          },
        })
        .build(),
    ),
    explained: { condition: 'FailedCreate' },
  });
  for (const i of [1, 2, 3]) {
    cases.push({
      name: `no-eligible-pool-${i}`,
      create: create(
        sandbox(`no-eligible-pool-${i}`)
          .poolRef('*')
          .template(template({ image: `nobody-runs-this:${i}` }))
          .build(),
      ),
      explained: { condition: 'NoEligiblePool' },
    });
  }
  // The apiserver's date-time check reads only up to a second "t"; the operator reads the whole value.
  cases.push({
    name: 'expire-trailing-t',
    create: create(sandbox('expire-trailing-t').template().expireTime('2099-01-01T00:00:00Zt').build()),
    explained: { condition: 'InvalidSpec' },
  });
  cases.push({
    name: 'shard-patch-containers-not-list',
    create: create(
      sandbox('shard-patch-containers-not-list')
        .template()
        .shardPatches([{ spec: { containers: 'not-a-list' } }])
        .build(),
    ),
    explained: { event: 'InvalidSpec' },
  });
  cases.push({
    name: 'shard-patch-container-no-name',
    create: create(
      sandbox('shard-patch-container-no-name')
        .template()
        .shardPatches([{ spec: { containers: [{ image: 'x' }] } }])
        .build(),
    ),
    explained: { event: 'InvalidSpec' },
  });
  cases.push({
    name: 'starved-by-refusing-pool',
    create: create(sandbox('starved-by-refusing-pool').poolRef('refusing').build()),
    explained: { condition: 'PoolCannotCreatePods' },
  });
  cases.push({
    name: 'pause-of-failed-sandbox',
    create: async () => {
      // An image the stack cannot pull (a `.invalid` registry): the sandbox fails, and cannot be paused.
      await ns.createSandbox(
        sandbox('pause-of-failed-sandbox')
          .template(template({ image: 'registry.invalid/never:1' }))
          .build(),
      );
      await waitUntil(async () => (await ns.getSandbox('pause-of-failed-sandbox')).status?.phase === 'Failed', {
        what: 'pause-of-failed-sandbox Failed',
        timeoutMs: 60_000,
      });
      await objects.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace, plural: 'batchsandboxes', name: 'pause-of-failed-sandbox', body: { spec: { pause: true } } },
        MERGE_PATCH,
      );
    },
    explained: { condition: 'PauseFailed' },
  });
  cases.push({
    name: 'pause-commit-job-refused',
    create: async () => {
      // An admission policy refuses this sandbox's commit Job: the pause fails at once, the sandbox runs on.
      await ns.createSandbox(sandbox('pause-commit-job-refused').template().build());
      await waitUntil(async () => (await ns.getSandbox('pause-commit-job-refused')).status?.phase === 'Succeed', {
        what: 'pause-commit-job-refused running',
        timeoutMs: 60_000,
      });
      removePolicies.push(await deny(noJobsNamed(namespace, 'pause-commit-job-refused')));
      await objects.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace, plural: 'batchsandboxes', name: 'pause-commit-job-refused', body: { spec: { pause: true } } },
        MERGE_PATCH,
      );
    },
    explained: { condition: 'PauseFailed', message: 'commit jobs are not allowed here' },
  });
  cases.push({
    name: 'forged-paused-phase',
    create: async () => {
      await ns.createSandbox(sandbox('forged-paused-phase').template().build());
      await waitUntil(async () => (await ns.getSandbox('forged-paused-phase')).status?.phase === 'Succeed', {
        what: 'forged-paused-phase running',
        timeoutMs: 60_000,
      });
      await objects.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace, plural: 'batchsandboxes', name: 'forged-paused-phase', body: { status: { phase: 'Paused' } } },
        MERGE_PATCH,
      );
    },
    explained: { event: 'PausedPhaseRepaired' },
  });
  for (const i of [1, 2]) {
    cases.push({
      name: `snapshot-of-nothing-${i}`,
      create: async () => {
        await objects.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: SANDBOX_SNAPSHOT.plural,
          body: aSandboxSnapshot(`snapshot-of-nothing-${i}`, namespace).sandboxName(`no-such-sandbox-${i}`).build(),
        });
      },
      explained: { snapshotFailed: `no-such-sandbox-${i}` },
    });
  }
  cases.push({
    name: 'pool-unknown-eviction-handler',
    create: () => ns.createPool(aPool('pool-unknown-eviction-handler', namespace).label(LABELS.evictionHandler, 'nobody').build()),
    explained: { event: 'InvalidEvictionHandler' },
  });
  return cases;
}

async function warningReasons(name: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.type === 'Warning').map((e) => e.reason ?? '');
}

async function isExplained(name: string, explanation: Explanation): Promise<boolean> {
  if ('event' in explanation) return (await warningReasons(name)).includes(explanation.event);
  if ('snapshotFailed' in explanation) {
    const snapshot = (await objects.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: SANDBOX_SNAPSHOT.plural, name })) as {
      status?: { phase?: string; conditions?: { type: string; message?: string }[] };
    };
    return (
      snapshot.status?.phase === 'Failed' &&
      (snapshot.status.conditions ?? []).some((c) => c.type === 'Failed' && c.message?.includes(explanation.snapshotFailed))
    );
  }
  const conditions = (await ns.getSandbox(name)).status?.conditions ?? [];
  return conditions.some(
    (c) =>
      c.status === 'True' && (c.reason === explanation.condition || c.type === explanation.condition) && (c.message ?? '').includes(explanation.message ?? ''),
  );
}

describe('hostile input against the operator process', () => {
  it('refuses what the CRDs cannot accept, explains the rest, and keeps serving within its memory bound', async () => {
    // Ready before the hostile part: a good Pool, and one whose pods the apiserver refuses.
    await ns.createPool(aPool('good', namespace).capacity({ bufferMin: 2, bufferMax: 4, poolMin: 2, poolMax: 20 }).build());
    await ns.createPool(
      aPool('refusing', namespace)
        .template(template({ resources: { requests: { cpu: 'banana' } } }))
        .capacity({ bufferMin: 1, bufferMax: 1, poolMin: 1, poolMax: 2 })
        .build(),
    );
    await ns.waitForStablePool('good', (s) => s.available >= 2);

    const rejected = invalidObjects(namespace);
    for (const { name, object, field } of rejected) {
      const outcome = await generic.create(object as KubernetesObject).then(
        () => 'accepted',
        (err: unknown) => (isApiStatus(err, 422) && apiErrorText(err).includes(field) ? 'rejected' : `refused otherwise: ${apiErrorText(err)}`),
      );
      expect({ name, outcome }).toEqual({ name, outcome: 'rejected' });
    }

    const accepted = acceptedCases();
    for (const c of accepted) await c.create();
    const unexplained = new Set(accepted.map((c) => c.name));
    await waitUntil(
      async () => {
        for (const c of accepted) if (unexplained.has(c.name) && (await isExplained(c.name, c.explained))) unexplained.delete(c.name);
        return unexplained.size === 0;
      },
      { what: 'every accepted hostile object explained', timeoutMs: EXPLAINED_WITHIN_MS, intervalMs: 1_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; unexplained: ${[...unexplained].join(', ')}${operator.diagnostics().slice(-4000)}`);
    });

    // Still serving the others, still Ready, not restarted, within its bound.
    await ns.createSandbox(sandbox('good-pooled').poolRef('good').build());
    await ns.waitForAllocation('good-pooled', 1);
    await ns.createSandbox(sandbox('good-plain').template().build());
    await waitUntil(async () => (await ns.getSandbox('good-plain')).status?.phase === 'Succeed', { what: 'good-plain running', timeoutMs: 60_000 });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(operator.child.exitCode).toBeNull();
    const rssMb = residentMb(operator.child.pid!);
    expect(rssMb).toBeLessThan(RSS_BOUND_MB);
    process.stdout.write(
      `${JSON.stringify({ figure: 'hostile-input', objects: rejected.length + accepted.length, rejected_by_crd: rejected.length, explained_by_operator: accepted.length, operator_rss_mb: rssMb })}\n`,
    );
  }, 400_000);
});
