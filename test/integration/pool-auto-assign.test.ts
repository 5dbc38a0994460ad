// Pool auto-assign (spec §5) on the real stack: the BatchSandbox controller resolves poolRef "*" and the
// pool workflow (woken by the pool signaler when the sandbox's poolRef changes) delivers the pods. Ports
// the upstream e2e cases 32–38 (spec §8), plus what we do beyond upstream: a Warning Event when no Pool
// qualifies and a retry when one appears, and a "*" sandbox with a template actually allocated (§10 B3).
//
// All cases share one namespace (one in-process operator). A sandbox with a template only matches pools
// running its image, so each case uses an image of its own and never sees the pools of the others; the
// one case without template (32) runs first, when its pool is the only one.
import { describe, expect, it } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, POOL, VERSION } from '../../api/v1alpha1/group.js';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import { EVENT_REASONS } from '../../kernel/events.js';
import { createLogger } from '../../kernel/logger.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import { ASSIGN_PROFILES_CONFIGMAP, ASSIGN_PROFILES_KEY } from '../../planners/auto-assign/pool-assign-profile-config.js';
import { waitUntil } from '../../stack/wait-until.js';
import { AssignProfileSource } from '../../watchers/assign-profile-source.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool, type PoolBuilder } from '../builders/pool.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { testKubeConfig } from '../support/stack.js';

const { ns } = poolOperatorSuite('auto-assign');
const { namespace, core } = ns;
const crd = { group: GROUP, version: VERSION, namespace };
const kubeConfig = testKubeConfig();
const objects = kubeConfig.makeApiClient(CustomObjectsApi);

// ---- helpers ---------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

/** No warm pods unless a case needs them: most cases only check the choice. */
const idle = (name: string): PoolBuilder => aPool(name, namespace).capacity({ bufferMin: 0, bufferMax: 0, poolMin: 0, poolMax: 5 });

/** One container running `image`, with optional requests and pod spec fields (nodeSelector, affinity). */
function template(image: string, { requests, ...spec }: { requests?: Json } & Json = {}): PodTemplate {
  const container = { name: 'main', image, command: ['sleep', '3600'], ...(requests && { resources: { requests } }) };
  return { spec: { containers: [container], ...spec } };
}

async function createPool(builder: PoolBuilder): Promise<void> {
  await objects.createNamespacedCustomObject({ ...crd, plural: POOL.plural, body: builder.build() });
}

async function createSandbox(name: string, sandboxTemplate?: PodTemplate, replicas = 1): Promise<void> {
  const bs = aBatchSandbox(name, namespace).poolRef('*').replicas(replicas);
  if (sandboxTemplate) bs.template(sandboxTemplate);
  await objects.createNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, body: bs.build() });
}

const getSandbox = async (name: string) => (await objects.getNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, name })) as BatchSandbox;

/** Waits for poolRef to leave "*" and returns the sandbox as then stored. */
async function resolved(name: string): Promise<BatchSandbox> {
  let bs: BatchSandbox | undefined;
  await waitUntil(
    async () => {
      bs = await getSandbox(name);
      return bs.spec.poolRef !== '*';
    },
    { what: `poolRef of ${name} resolved`, timeoutMs: 30_000, intervalMs: 200 },
  );
  return bs!;
}

async function waitForAllocated(name: string, allocated: number): Promise<BatchSandbox> {
  let bs: BatchSandbox | undefined;
  await waitUntil(
    async () => {
      bs = await getSandbox(name);
      return bs.status?.allocated === allocated;
    },
    { what: `${name} allocated ${allocated}`, timeoutMs: 60_000, intervalMs: 250 },
  );
  return bs!;
}

async function eventsOf(name: string, reason: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name},reason=${reason}` });
  return list.items.map((event) => event.message ?? '');
}

// ---- cases -----------------------------------------------------------------------------------------

describe('pool auto-assign (poolRef "*")', () => {
  it('no template, single pool: poolRef rewritten and the sandbox allocated (upstream e2e 32)', async () => {
    await createPool(aPool('single', namespace).capacity({ bufferMin: 1, bufferMax: 3, poolMin: 2, poolMax: 5 }));
    await createSandbox('bs-32', undefined, 2);
    expect((await resolved('bs-32')).spec.poolRef).toBe('single');
    const bs = await waitForAllocated('bs-32', 2);
    expect(JSON.parse(bs.metadata.annotations![ANNOTATIONS.allocStatus]!).pods).toHaveLength(2);
    expect(await eventsOf('bs-32', EVENT_REASONS.PoolAssigned)).toEqual(['assigned to pool single']);
  });

  it('image match: the pool running the sandbox image (upstream e2e 33)', async () => {
    await createPool(idle('image-busybox').template(template('busybox:1.36')));
    await createPool(idle('image-match').template(template('case-33:1')));
    await createSandbox('bs-33', template('case-33:1'));
    const bs = await resolved('bs-33');
    expect(bs.spec.poolRef).toBe('image-match');
    // Removed in the same write: a named poolRef excludes a template (and a pool never serves one, §10 B3).
    expect(bs.spec.template).toBeUndefined();
  });

  it('nodeSelector vs pool template nodeSelector (upstream e2e 34)', async () => {
    await createPool(idle('ns-ssd').template(template('case-34:1', { nodeSelector: { disk: 'ssd' } })));
    await createPool(idle('ns-hdd').template(template('case-34:1', { nodeSelector: { disk: 'hdd' } })));
    await createSandbox('bs-34', template('case-34:1', { nodeSelector: { disk: 'ssd' } }));
    expect((await resolved('bs-34')).spec.poolRef).toBe('ns-ssd');
  });

  const requiredAffinity = (key: string, value: string) => ({
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key, operator: 'In', values: [value] }] }],
      },
    },
  });

  it('nodeAffinity vs pool labels (upstream e2e 35)', async () => {
    await createPool(idle('aff-gpu').template(template('case-35:1')).label('accelerator', 'gpu'));
    await createPool(idle('aff-cpu').template(template('case-35:1')).label('accelerator', 'cpu'));
    await createSandbox('bs-35', template('case-35:1', { affinity: requiredAffinity('accelerator', 'gpu') }));
    expect((await resolved('bs-35')).spec.poolRef).toBe('aff-gpu');
  });

  it('nodeSelector vs pool labels (upstream e2e 36)', async () => {
    // Named so that the wrong pool would win the tie-break.
    await createPool(idle('label-a-cpu').template(template('case-36:1')).label('accelerator', 'cpu'));
    await createPool(idle('label-b-gpu').template(template('case-36:1')).label('accelerator', 'gpu'));
    await createSandbox('bs-36', template('case-36:1', { nodeSelector: { accelerator: 'gpu' } }));
    expect((await resolved('bs-36')).spec.poolRef).toBe('label-b-gpu');
  });

  it('nodeAffinity vs pool template nodeSelector (upstream e2e 37)', async () => {
    await createPool(idle('affns-a-hdd').template(template('case-37:1', { nodeSelector: { disk: 'hdd' } })));
    await createPool(idle('affns-b-ssd').template(template('case-37:1', { nodeSelector: { disk: 'ssd' } })));
    await createSandbox('bs-37', template('case-37:1', { affinity: requiredAffinity('disk', 'ssd') }));
    expect((await resolved('bs-37')).spec.poolRef).toBe('affns-b-ssd');
  });

  it('resource requests: the pool requesting at least as much (upstream e2e 38)', async () => {
    await createPool(idle('res-a-small').template(template('case-38:1', { requests: { cpu: '50m', memory: '32Mi' } })));
    await createPool(idle('res-b-large').template(template('case-38:1', { requests: { cpu: '500m', memory: '512Mi' } })));
    await createSandbox('bs-38', template('case-38:1', { requests: { cpu: '200m', memory: '128Mi' } }));
    expect((await resolved('bs-38')).spec.poolRef).toBe('res-b-large');
  });

  it('with no eligible pool: a Warning Event saying why, and assignment once a matching pool appears', async () => {
    await createPool(idle('late-other').template(template('busybox:1.36')));
    await createSandbox('bs-late', template('case-late:1'));
    await waitUntil(async () => (await eventsOf('bs-late', EVENT_REASONS.NoEligiblePool)).length > 0, {
      what: 'NoEligiblePool event for bs-late',
      timeoutMs: 30_000,
    });
    const [message] = await eventsOf('bs-late', EVENT_REASONS.NoEligiblePool);
    expect(message).toMatch(/^no eligible pool found for BatchSandbox bs-late: no Pool qualifies: /);
    expect(message).toContain('late-other (image: the pool runs none of case-late:1)');
    const waiting = await getSandbox('bs-late');
    expect(waiting.spec.poolRef).toBe('*');
    expect(waiting.status?.conditions).toEqual([expect.objectContaining({ type: 'Progressing', reason: 'NoEligiblePool', message })]);
    // No polling on our side: the Pool's add event is what wakes the sandbox.
    await createPool(aPool('late-match', namespace).template(template('case-late:1')).capacity({ bufferMin: 1, bufferMax: 1, poolMin: 0, poolMax: 3 }));
    expect((await resolved('bs-late')).spec.poolRef).toBe('late-match');
    // A "*" sandbox with a template is served like any pooled one (upstream never allocates it, §10 B3).
    await waitForAllocated('bs-late', 1);
  });
});

describe('auto-assign profile from ConfigMap pool-assign-profiles', () => {
  it('uses its "default" profile and follows edits (this namespace stands in for the operator\'s)', async () => {
    const source = new AssignProfileSource({ kubeConfig, namespace, log: createLogger('silent') });
    await source.start();
    try {
      const predicates = () => source.current().predicates.map((p) => p.name);
      expect(predicates()).toEqual(['image', 'resource', 'nodeselector']);
      const profiles = (predicate: string[]) => ({
        [ASSIGN_PROFILES_KEY]: JSON.stringify([{ name: 'default', plugins: { predicate, score: [{ name: 'resbalance', weight: 1 }] } }]),
      });
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: ASSIGN_PROFILES_CONFIGMAP }, data: profiles(['image']) },
      });
      await waitUntil(async () => predicates().join() === 'image', { what: 'profile from the ConfigMap', timeoutMs: 30_000 });
      await core.patchNamespacedConfigMap({ name: ASSIGN_PROFILES_CONFIGMAP, namespace, body: { data: profiles(['image', 'resource']) } }, MERGE_PATCH);
      await waitUntil(async () => predicates().join() === 'image,resource', { what: 'edited profile', timeoutMs: 30_000 });
    } finally {
      await source.stop();
    }
  });
});
