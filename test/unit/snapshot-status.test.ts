// SandboxSnapshot: what a Pending snapshot commits (spec §6.6 handlePending, §8 case 42), its phase and
// condition transitions, and the internal pause snapshot a pause creates, keeps or replaces.
import { describe, expect, it } from '@jest/globals';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { buildPauseSnapshot, pauseSnapshotAction, snapshotsRetiredByResume } from '../../planners/lifecycle/pause-snapshot.js';
import { planSnapshotCommit } from '../../planners/lifecycle/snapshot-commit-plan.js';
import { nextSnapshotStatus } from '../../planners/lifecycle/snapshot-status.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPod } from '../builders/pod.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';
import { FakeClock } from '../support/fake-clock.js';

const clock = new FakeClock('2026-03-01T10:00:00Z');
const REGISTRY = 'registry.local:5000';
const sandbox = aBatchSandbox('bs').template().generation(4).replicas(2).build();
const pods = [0, 1].map((i) => {
  const pod = aPod(`bs-${i}`).controlledBy(sandbox).ready().onNode(`node-${i}`).build();
  pod.spec!.containers.push({ name: 'egress', image: 'egress:1' });
  return pod;
});

describe('planSnapshotCommit', () => {
  it('plans the replica of an internal pause snapshot: its pod, node and one image per container', () => {
    const snapshot = aSandboxSnapshot('bs-pause-1').pauseOf(sandbox, 3).build();
    expect(planSnapshotCommit({ snapshot, sandbox, pods, registry: REGISTRY })).toEqual({
      ok: true,
      target: {
        podName: 'bs-1',
        nodeName: 'node-1',
        containers: [
          { containerName: 'sandbox', imageUri: 'registry.local:5000/bs-sandbox:snap-gen3-r1' },
          { containerName: 'egress', imageUri: 'registry.local:5000/bs-egress:snap-gen3-r1' },
        ],
      },
    });
  });

  it('plans replica 0 of a server snapshot with its hex tag', () => {
    const snapshot = aSandboxSnapshot(`osb-snap-${'0f'.repeat(16)}`)
      .sandboxName('bs')
      .build();
    const plan = planSnapshotCommit({ snapshot, sandbox, pods, registry: REGISTRY });
    expect(plan).toMatchObject({ ok: true, target: { podName: 'bs-0', nodeName: 'node-0' } });
    expect(plan.ok && plan.target.containers[0]!.imageUri).toBe(`registry.local:5000/bs-sandbox:snap-${'0f'.repeat(16)}`);
  });

  it.each<[string, Parameters<typeof planSnapshotCommit>[0], object]>([
    [
      'no registry configured',
      { snapshot: aSandboxSnapshot('s').build(), sandbox, pods, registry: '' },
      { reason: 'RegistryNotConfigured', message: 'snapshot registry not configured in the operator (--snapshot-registry)' },
    ],
    [
      'a missing sandbox (case 42: the message names it)',
      { snapshot: aSandboxSnapshot('s').sandboxName('nonexistent-sandbox').build(), sandbox: undefined, pods, registry: REGISTRY },
      { reason: 'BatchSandboxLookupFailed', message: 'failed to get BatchSandbox nonexistent-sandbox: not found' },
    ],
    [
      'a sandbox without running pods (e.g. paused)',
      { snapshot: aSandboxSnapshot('s').build(), sandbox, pods: [], registry: REGISTRY },
      { reason: 'SourcePodNotFound' },
    ],
  ])('fails before any Job with %s', (_name, input, failure) => {
    expect(planSnapshotCommit(input)).toMatchObject({ ok: false, ...failure });
  });
});

describe('nextSnapshotStatus', () => {
  const now = clock.now();
  const TARGET = { podName: 'bs-0', nodeName: 'node-0', containers: [{ containerName: 'sandbox', imageUri: 'r/bs-sandbox:snap-gen4' }] };
  const at = (snapshot: SandboxSnapshot, ...events: Parameters<typeof nextSnapshotStatus>[1][]) =>
    events.reduce((s, e) => ({ ...s, status: nextSnapshotStatus(s, e, now) }), snapshot).status;

  it('goes Pending -> Committing -> Succeed, recording source, images and digests, Ready=True', () => {
    const snapshot = aSandboxSnapshot('bs-pause').build();
    expect(at(snapshot, { type: 'acknowledged' })).toEqual({ observedGeneration: 1, phase: 'Pending' });
    expect(at(snapshot, { type: 'acknowledged' }, { type: 'planned', target: TARGET }, { type: 'committing' })).toEqual({
      observedGeneration: 1,
      phase: 'Committing',
      sourcePodName: 'bs-0',
      sourceNodeName: 'node-0',
      containers: [{ containerName: 'sandbox', imageUri: 'r/bs-sandbox:snap-gen4' }],
    });
    const done = at(
      snapshot,
      { type: 'planned', target: TARGET },
      { type: 'committing' },
      { type: 'committed', result: { containers: [{ name: 'sandbox', image: 'r/bs-sandbox:snap-gen4', digest: 'sha256:beef' }] } },
    );
    expect(done).toMatchObject({
      phase: 'Succeed',
      containers: [{ containerName: 'sandbox', imageUri: 'r/bs-sandbox:snap-gen4', imageDigest: 'sha256:beef' }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'SnapshotReady', message: 'Snapshot is ready', lastTransitionTime: '2026-03-01T10:00:00Z' }],
    });
  });

  it('fails with the Failed condition, and a terminal phase never moves again', () => {
    const failed = at(
      aSandboxSnapshot('s').build(),
      { type: 'planned', target: TARGET },
      { type: 'failed', reason: 'CommitJobFailed', message: 'push denied' },
    );
    expect(failed).toMatchObject({ phase: 'Failed', conditions: [{ type: 'Failed', reason: 'CommitJobFailed', message: 'push denied' }] });
    const snapshot = { ...aSandboxSnapshot('s').build(), status: failed };
    expect(nextSnapshotStatus(snapshot, { type: 'committing' }, now)).toBe(failed);
    expect(nextSnapshotStatus(snapshot, { type: 'committed', result: { containers: [{ name: 'sandbox', image: 'x', digest: 'd' }] } }, now)).toBe(failed);
    expect(nextSnapshotStatus({ ...snapshot, metadata: { ...snapshot.metadata, generation: 2 } }, { type: 'acknowledged' }, now)).toEqual({
      ...failed,
      observedGeneration: 2,
    });
  });
});

describe('the internal pause snapshot', () => {
  it('is <bs>-pause controlled by the sandbox and annotated with the pause generation', () => {
    expect(buildPauseSnapshot(sandbox, 0, 4)).toEqual({
      apiVersion: 'sandbox.opensandbox.io/v1alpha1',
      kind: 'SandboxSnapshot',
      metadata: {
        name: 'bs-pause',
        namespace: 'default',
        annotations: { 'sandbox.opensandbox.io/pause-generation': '4' },
        ownerReferences: [
          { apiVersion: 'sandbox.opensandbox.io/v1alpha1', kind: 'BatchSandbox', name: 'bs', uid: 'uid-bs', controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: { sandboxName: 'bs' },
    });
  });

  it.each<[string, SandboxSnapshot | undefined, string]>([
    ['none: create it', undefined, 'create'],
    ["this pause's own, whatever its phase: use it (retried step)", aSandboxSnapshot('bs-pause').pauseOf(sandbox, 4).phase('Committing').build(), 'use'],
    ["this pause's own that failed: use it (its failure is this pause's)", aSandboxSnapshot('bs-pause').pauseOf(sandbox, 4).phase('Failed').build(), 'use'],
    ["an earlier pause's (left from a finished cycle): replace it", aSandboxSnapshot('bs-pause').pauseOf(sandbox, 2).succeeded().build(), 'replace'],
    [
      'an earlier sandbox of the same name: replace it',
      aSandboxSnapshot('bs-pause')
        .pauseOf({ ...sandbox, metadata: { ...sandbox.metadata, uid: 'old' } }, 4)
        .build(),
      'replace',
    ],
  ])('found %s', (_name, existing, action) => {
    expect(pauseSnapshotAction(sandbox, 4, existing).action).toBe(action);
  });
});

describe('the pause snapshots a resume retires', () => {
  it("are the sandbox's own from pauses before the resume, not a newer pause's, another sandbox's or a server snapshot", () => {
    const older = aSandboxSnapshot('bs-pause').pauseOf(sandbox, 2).succeeded().build();
    const olderReplica = aSandboxSnapshot('bs-1-pause').pauseOf(sandbox, 2).succeeded().build();
    const newer = aSandboxSnapshot('bs-pause').pauseOf(sandbox, 4).phase('Committing').build();
    const namesake = aSandboxSnapshot('bs-pause')
      .pauseOf({ ...sandbox, metadata: { ...sandbox.metadata, uid: 'old' } }, 2)
      .build();
    const server = aSandboxSnapshot('osb-snap-1').build();
    expect(snapshotsRetiredByResume([older, olderReplica, newer, namesake, server], 'uid-bs', 3)).toEqual([older, olderReplica]);
  });
});
