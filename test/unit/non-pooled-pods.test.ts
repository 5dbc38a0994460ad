// Pods of a non-pooled BatchSandbox: index parsing, pod construction (template, shard patch, forced
// labels and owner) and the create/delete plan, scale-down included.
import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { buildNonPooledPod, MAX_POD_CREATES_PER_PASS, planNonPooledPods, podIndexOf, sortByIndex } from '../../planners/sandbox/non-pooled-pods.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPod } from '../builders/pod.js';

const TEMPLATE = {
  metadata: {
    labels: { 'opensandbox.io/id': 'abc', app: 'demo' },
    annotations: { note: 'x' },
    finalizers: ['example.com/keep'],
  },
  spec: {
    restartPolicy: 'Never',
    containers: [{ name: 'sandbox', image: 'sandbox:1', env: [{ name: 'A', value: '1' }] }],
  },
};

const sandbox = (replicas: number) => aBatchSandbox('bs').replicas(replicas).template(TEMPLATE);
const podOf = (index: number) => aPod(`bs-${index}`).label(LABELS.podIndex, String(index));
const names = (pods: readonly V1Pod[]) => pods.map((p) => p.metadata?.name);

describe('podIndexOf', () => {
  it.each<[string, V1Pod, number | undefined]>([
    ['the pod-index label', aPod('bs-7').label(LABELS.podIndex, '3').build(), 3],
    ['else the number after the last "-"', aPod('my-bs-12').build(), 12],
    ['a label that is not a number falls back to the name', aPod('bs-4').label(LABELS.podIndex, 'x').build(), 4],
    ['no number anywhere', aPod('bs-a').build(), undefined],
    ['only plain decimals', aPod('bs-0x1').build(), undefined],
  ])('reads %s', (_name, pod, index) => {
    expect(podIndexOf(pod)).toBe(index);
  });

  it('sorts by index, pods without one last, ties by name', () => {
    const pods = [aPod('bs-a').build(), aPod('bs-10').build(), aPod('x-2').build(), aPod('bs-2').build(), aPod('bs-1').build()];
    expect(names(sortByIndex(pods))).toEqual(['bs-1', 'bs-2', 'x-2', 'bs-10', 'bs-a']);
  });
});

describe('buildNonPooledPod', () => {
  it('copies template metadata and spec, then forces name, namespace, index labels and the controller reference', () => {
    const bs = sandbox(2).build();
    const pod = buildNonPooledPod(bs, 1);
    expect(pod.metadata).toEqual({
      name: 'bs-1',
      namespace: 'default',
      labels: {
        'opensandbox.io/id': 'abc',
        app: 'demo',
        [LABELS.podIndex]: '1',
        [LABELS.batchSandboxName]: 'bs',
      },
      annotations: { note: 'x' },
      finalizers: ['example.com/keep'],
      ownerReferences: [
        {
          apiVersion: 'sandbox.opensandbox.io/v1alpha1',
          kind: 'BatchSandbox',
          name: 'bs',
          uid: 'uid-bs',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(pod.spec).toEqual(TEMPLATE.spec);
    expect(bs.spec.template).toEqual(TEMPLATE);
  });

  it('strategic-merges shardPatches[i] into pod i only, but cannot move the pod out of the sandbox', () => {
    const bs = sandbox(3)
      .shardPatches([
        {},
        {
          metadata: { name: 'renamed', labels: { shard: 'one', [LABELS.podIndex]: '9' } },
          spec: { containers: [{ name: 'sandbox', image: 'sandbox:2', env: [{ name: 'B', value: '2' }] }] },
        },
      ])
      .build();
    const [zero, one, two] = [0, 1, 2].map((i) => buildNonPooledPod(bs, i));
    expect(zero!.spec).toEqual(TEMPLATE.spec);
    expect(two!.spec).toEqual(TEMPLATE.spec);
    expect(one!.metadata?.name).toBe('bs-1');
    expect(one!.metadata?.labels).toMatchObject({ shard: 'one', [LABELS.podIndex]: '1' });
    expect(one!.spec?.containers).toEqual([
      {
        name: 'sandbox',
        image: 'sandbox:2',
        env: [
          { name: 'B', value: '2' },
          { name: 'A', value: '1' },
        ],
      },
    ]);
  });
});

describe('planNonPooledPods', () => {
  it('creates at most MAX_POD_CREATES_PER_PASS pods a pass, whatever spec.replicas says (issue 13: 2147483647 replicas ran the operator out of memory)', () => {
    const first = planNonPooledPods(sandbox(2147483647).build(), []);
    expect(first.create).toHaveLength(MAX_POD_CREATES_PER_PASS);
    expect(names(first.create).slice(0, 2)).toEqual(['bs-0', 'bs-1']);
    // The next pass, with those pods there, goes on from where this one stopped.
    const next = planNonPooledPods(sandbox(2147483647).build(), first.create);
    expect(names(next.create)[0]).toBe(`bs-${MAX_POD_CREATES_PER_PASS}`);
  });

  it('creates every missing index in ascending order', () => {
    const plan = planNonPooledPods(sandbox(4).build(), [podOf(1).build(), podOf(3).build()]);
    expect(names(plan.create)).toEqual(['bs-0', 'bs-2']);
    expect(plan.delete).toEqual([]);
  });

  it('counts a terminating pod as holding its index (its name is taken until it is gone)', () => {
    const plan = planNonPooledPods(sandbox(2).build(), [podOf(0).build(), podOf(1).terminating().build()]);
    expect(plan.create).toEqual([]);
  });

  it('scales down from the highest index, skipping pods already terminating and pods without an index', () => {
    const pods = [0, 1, 2, 3].map((i) => (i === 2 ? podOf(i).terminating() : podOf(i)).build());
    const plan = planNonPooledPods(sandbox(1).build(), [...pods, aPod('stray').build()]);
    expect(names(plan.delete)).toEqual(['bs-3', 'bs-1']);
    expect(plan.create).toEqual([]);
  });

  it('scales to zero', () => {
    expect(names(planNonPooledPods(sandbox(0).build(), [podOf(0).build()]).delete)).toEqual(['bs-0']);
  });

  it.each(['Pausing', 'Paused', 'Resuming'] as const)('does nothing while %s: the pause/resume workflows own the pods', (phase) => {
    const plan = planNonPooledPods(sandbox(2).status({ phase }).build(), [podOf(5).build()]);
    expect(plan).toEqual({ create: [], delete: [] });
  });

  it('stops at the first shard patch that cannot be applied and says which', () => {
    const bs = sandbox(3)
      .shardPatches([{}, { spec: { containers: [{ image: 'no-name' }] } }])
      .build();
    const plan = planNonPooledPods(bs, []);
    expect(names(plan.create)).toEqual(['bs-0']);
    expect(plan.invalidShardPatch).toEqual({ index: 1, message: 'spec.containers: list item has no merge key name' });
  });
});
