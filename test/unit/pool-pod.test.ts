import { describe, expect, it } from '@jest/globals';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { buildPoolPod, mayServePooledSandbox, podRevision } from '../../planners/pool/pool-pod.js';
import { aPod } from '../builders/pod.js';
import { aPool } from '../builders/pool.js';

const pool = aPool('warm', 'team-a')
  .template({
    metadata: {
      labels: { app: 'sandbox', [LABELS.poolName]: 'spoofed' },
      annotations: { note: 'kept' },
      finalizers: ['example.com/keep'],
      name: 'ignored',
    },
    spec: { containers: [{ name: 'sandbox', image: 'sandbox:1' }], nodeSelector: { zone: 'a' } },
  })
  .build();

describe('buildPoolPod', () => {
  const pod = buildPoolPod(pool, 'abcdef0123456789', 'warm-7');

  it('builds the pod from the template, under the given name, in the pool namespace', () => {
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'warm-7',
        namespace: 'team-a',
        labels: { app: 'sandbox', [LABELS.poolName]: 'warm', [LABELS.poolRevision]: 'abcdef0123456789' },
        annotations: { note: 'kept' },
        finalizers: ['example.com/keep'],
        ownerReferences: [
          {
            apiVersion: 'sandbox.opensandbox.io/v1alpha1',
            kind: 'Pool',
            name: 'warm',
            uid: 'uid-warm',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { containers: [{ name: 'sandbox', image: 'sandbox:1' }], nodeSelector: { zone: 'a' } },
    });
    expect(pod.metadata).not.toHaveProperty('generateName');
  });

  it('is deterministic and shares no objects with the Pool', () => {
    expect(buildPoolPod(pool, 'abcdef0123456789', 'warm-7')).toEqual(pod);
    pod.spec!.containers[0]!.image = 'changed';
    pod.metadata!.annotations!.note = 'changed';
    expect(pool.spec.template.spec.containers[0]!.image).toBe('sandbox:1');
    expect(pool.spec.template.metadata!.annotations!.note).toBe('kept');
  });

  it('works with a template without metadata', () => {
    const bare = buildPoolPod(aPool('p').build(), 'r', 'p-0');
    expect(bare.metadata!.labels).toEqual({ [LABELS.poolName]: 'p', [LABELS.poolRevision]: 'r' });
  });

  it('refuses a Pool without uid (it cannot own the pod)', () => {
    const noUid = aPool('p').build();
    delete noUid.metadata.uid;
    expect(() => buildPoolPod(noUid, 'r', 'p-0')).toThrow('Pool default/p has no uid');
  });
});

describe('podRevision', () => {
  it.each([
    ['a pool pod', aPod('a').inPool('p', 'rev9').build(), 'rev9'],
    ['a pod without the label', aPod('a').build(), undefined],
  ])('%s', (_, pod, expected) => {
    expect(podRevision(pod)).toBe(expected);
  });
});

describe('mayServePooledSandbox', () => {
  it('counts a pod of the sandbox pool, unlabelled or labelled with this sandbox', () => {
    expect(mayServePooledSandbox(aPod('p1').inPool('pool-a', 'r1').build(), 'pool-a', 'sb')).toBe(true);
    expect(mayServePooledSandbox(aPod('p1').inPool('pool-a', 'r1').label('batch-sandbox.sandbox.opensandbox.io/name', 'sb').build(), 'pool-a', 'sb')).toBe(
      true,
    );
  });

  it('refuses another sandbox pod, another pool pod and a pod outside any pool (issue 13)', () => {
    expect(mayServePooledSandbox(aPod('p1').inPool('pool-a', 'r1').label('batch-sandbox.sandbox.opensandbox.io/name', 'victim').build(), 'pool-a', 'sb')).toBe(
      false,
    );
    expect(mayServePooledSandbox(aPod('p1').inPool('pool-b', 'r1').build(), 'pool-a', 'sb')).toBe(false);
    expect(mayServePooledSandbox(aPod('victim-0').build(), 'pool-a', 'sb')).toBe(false);
  });
});
