// The spec rewrite of a resume: snapshot images per container and per replica, resume pull secret.
import { describe, expect, it } from '@jest/globals';
import type { ReplicaRestore } from '../../planners/lifecycle/resume-source.js';
import { resumeSpecPatch } from '../../planners/lifecycle/resume-template.js';
import { buildNonPooledPod } from '../../planners/sandbox/non-pooled-pods.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';

const TEMPLATE = {
  spec: {
    containers: [
      { name: 'sandbox', image: 'sandbox:1' },
      { name: 'egress', image: 'egress:1' },
    ],
    imagePullSecrets: [{ name: 'base' }],
  },
};

const restore = (index: number, images: Record<string, string>): ReplicaRestore => ({
  index,
  snapshotName: index === 0 ? 'bs-pause' : `bs-pause-${index}`,
  containers: Object.entries(images).map(([containerName, imageUri]) => ({ containerName, imageUri })),
});

describe('resumeSpecPatch', () => {
  it('replaces the images of the snapshot containers in the template and adds the pull secret once', () => {
    const bs = aBatchSandbox('bs').template(TEMPLATE).build();
    const result = resumeSpecPatch(bs, [restore(0, { sandbox: 'r/bs-sandbox:snap-gen4', ghost: 'r/bs-ghost:snap-gen4' })], 'pull');
    expect(result).toEqual({
      ok: true,
      patch: {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'sandbox', image: 'r/bs-sandbox:snap-gen4' },
                { name: 'egress', image: 'egress:1' },
              ],
              imagePullSecrets: [{ name: 'base' }, { name: 'pull' }],
            },
          },
        },
      },
    });
    const again = resumeSpecPatch({ ...bs, spec: { ...bs.spec, template: result.ok ? result.patch.spec.template : undefined } }, [], 'pull');
    expect(again.ok && again.patch.spec.template.spec.imagePullSecrets).toEqual([{ name: 'base' }, { name: 'pull' }]);
  });

  it('gives every other replica its own images through its shard patch, keeping what the patch had', () => {
    const bs = aBatchSandbox('bs')
      .template(TEMPLATE)
      .replicas(3)
      .shardPatches([{}, { spec: { containers: [{ name: 'sandbox', env: [{ name: 'SHARD', value: '1' }] }] } }])
      .build();
    const result = resumeSpecPatch(bs, [
      restore(0, { sandbox: 'r/bs-sandbox:snap-gen4' }),
      restore(1, { sandbox: 'r/bs-sandbox:snap-gen4-r1', egress: 'r/bs-egress:snap-gen4-r1' }),
      restore(2, { sandbox: 'r/bs-sandbox:snap-gen4-r2' }),
    ]);
    if (!result.ok) throw new Error(result.message);
    expect(result.patch.spec.shardPatches).toEqual([
      {},
      {
        spec: {
          containers: [
            { name: 'sandbox', env: [{ name: 'SHARD', value: '1' }], image: 'r/bs-sandbox:snap-gen4-r1' },
            { name: 'egress', image: 'r/bs-egress:snap-gen4-r1' },
          ],
        },
      },
      { spec: { containers: [{ name: 'sandbox', image: 'r/bs-sandbox:snap-gen4-r2' }] } },
    ]);
    // What the pod builder makes of it: each replica runs its own snapshot.
    const resumed = { ...bs, spec: { ...bs.spec, ...result.patch.spec } };
    const images = (index: number) => buildNonPooledPod(resumed, index).spec!.containers.map((c) => c.image);
    expect([0, 1, 2].map(images)).toEqual([
      ['r/bs-sandbox:snap-gen4', 'egress:1'],
      ['r/bs-sandbox:snap-gen4-r1', 'r/bs-egress:snap-gen4-r1'],
      ['r/bs-sandbox:snap-gen4-r2', 'egress:1'],
    ]);
  });

  it('overrides a shard patch of replica 0 that pins an image', () => {
    const bs = aBatchSandbox('bs')
      .template(TEMPLATE)
      .shardPatches([{ spec: { containers: [{ name: 'sandbox', image: 'pinned:1' }] } }])
      .build();
    const result = resumeSpecPatch(bs, [restore(0, { sandbox: 'r/bs-sandbox:snap-gen4' })]);
    if (!result.ok) throw new Error(result.message);
    const resumed = { ...bs, spec: { ...bs.spec, ...result.patch.spec } };
    expect(buildNonPooledPod(resumed, 0).spec!.containers[0]!.image).toBe('r/bs-sandbox:snap-gen4');
  });

  it('refuses a sandbox without template (a pooled sandbox that was never detached)', () => {
    const bs = aBatchSandbox('bs').poolRef('pool').build();
    expect(resumeSpecPatch(bs, [restore(0, { sandbox: 'x' })])).toMatchObject({ ok: false, reason: 'TemplateMissing' });
  });
});
