// The runtime status planner (spec §2.6): counters, phase, True-only conditions with stable transition
// times, sticky Failed, lifecycle phases and conditions left alone, endpoints without "" entries, and the
// rules that decide whether anything is written at all.
import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import type { BatchSandboxCondition } from '../../api/v1alpha1/conditions.js';
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import { computeRuntimeStatus, endpointsPatchValue, sameStatus, statusPatchNeeded } from '../../planners/sandbox/batch-sandbox-status.js';
import { aBatchSandbox, type BatchSandboxBuilder } from '../builders/batch-sandbox.js';
import { aPod } from '../builders/pod.js';

const NOW = new Date('2026-01-01T00:10:00Z');
const T0 = '2026-01-01T00:00:00Z';
const NOW_TEXT = '2026-01-01T00:10:00Z';

const ready = (i: number) =>
  aPod(`bs-${i}`)
    .ready(`10.0.0.${i + 1}`)
    .build();
const scheduled = (i: number) => aPod(`bs-${i}`).onNode('kwok-node-0').build();
const failing = (i: number, reason: string) => aPod(`bs-${i}`).onNode('n').waiting(reason).build();

const condition = (type: BatchSandboxCondition['type'], reason: string, message: string, lastTransitionTime = NOW_TEXT): BatchSandboxCondition => ({
  type,
  status: 'True',
  reason,
  message,
  lastTransitionTime,
});

const READY = condition('Ready', 'PodsReady', 'Sandbox is running');
const PROGRESSING = condition('Progressing', 'Creating', 'Sandbox is being created');
const PAUSE_FAILED = condition('PauseFailed', 'SnapshotFailed', 'push failed', T0);
const RESUME_FAILED = condition('ResumeFailed', 'SnapshotNotReady', 'x', T0);

const sandbox = () => aBatchSandbox('bs').replicas(2).template().generation(3);

interface Case {
  name: string;
  sandbox: BatchSandboxBuilder;
  pods: V1Pod[];
  expected: {
    counters?: [replicas: number, allocated: number, ready: number];
    phase: string | undefined;
    conditions: BatchSandboxCondition[];
    endpoints?: string[];
  };
}

const CASES: Case[] = [
  {
    name: 'no pod yet: Pending, Progressing',
    sandbox: sandbox(),
    pods: [],
    expected: { counters: [0, 0, 0], phase: 'Pending', conditions: [PROGRESSING], endpoints: [] },
  },
  {
    name: 'a scheduled pod without IP counts as allocated; no endpoint',
    sandbox: sandbox(),
    pods: [scheduled(0)],
    expected: { counters: [1, 1, 0], phase: 'Pending', conditions: [PROGRESSING], endpoints: [] },
  },
  {
    name: 'one ready pod is enough for Succeed; IPs in pod order, pods without IP left out',
    sandbox: sandbox(),
    pods: [scheduled(0), ready(1)],
    expected: { counters: [2, 2, 1], phase: 'Succeed', conditions: [READY], endpoints: ['10.0.0.2'] },
  },
  {
    name: 'a terminating pod is in the view but not ready',
    sandbox: sandbox(),
    pods: [ready(0), aPod('bs-1').ready('10.0.0.2').terminating().build()],
    expected: { counters: [2, 2, 1], phase: 'Succeed', conditions: [READY], endpoints: ['10.0.0.1', '10.0.0.2'] },
  },
  {
    name: 'failing pods: Failed with PodFailed naming the most frequent reason and a sample pod',
    sandbox: sandbox().status({ phase: 'Succeed', replicas: 1, conditions: [{ ...READY, lastTransitionTime: T0 }] }),
    pods: [ready(0), failing(1, 'ImagePullBackOff'), failing(2, 'CrashLoopBackOff'), failing(3, 'CrashLoopBackOff')],
    expected: {
      counters: [4, 4, 1],
      phase: 'Failed',
      conditions: [condition('PodFailed', 'CrashLoopBackOff', '3/4 observed pods failed; primary reason=CrashLoopBackOff; sample pod=bs-2')],
    },
  },
  {
    name: 'Failed is sticky: pods that recover leave it Failed with its PodFailed',
    sandbox: sandbox().status({ phase: 'Failed', conditions: [condition('PodFailed', 'ErrImagePull', 'old', T0)] }),
    pods: [ready(0), ready(1)],
    expected: { counters: [2, 2, 2], phase: 'Failed', conditions: [condition('PodFailed', 'ErrImagePull', 'old', T0)] },
  },
  {
    name: 'Failed with new failures keeps the PodFailed it got first',
    sandbox: sandbox().status({ phase: 'Failed', conditions: [condition('PodFailed', 'ErrImagePull', 'old', T0)] }),
    pods: [failing(0, 'CrashLoopBackOff')],
    expected: { phase: 'Failed', conditions: [condition('PodFailed', 'ErrImagePull', 'old', T0)] },
  },
  {
    name: 'an unchanged condition keeps its lastTransitionTime; False conditions are not stored',
    sandbox: sandbox().status({
      phase: 'Succeed',
      conditions: [condition('Ready', 'PodsReady', 'Sandbox is running', T0), { type: 'Progressing', status: 'False' }],
    }),
    pods: [ready(0)],
    expected: { phase: 'Succeed', conditions: [condition('Ready', 'PodsReady', 'Sandbox is running', T0)] },
  },
  {
    name: 'PauseFailed and ResumeFailed survive runtime writes',
    sandbox: sandbox().status({ phase: 'Succeed', conditions: [PAUSE_FAILED, RESUME_FAILED] }),
    pods: [],
    expected: {
      phase: 'Pending',
      conditions: [PROGRESSING, PAUSE_FAILED, RESUME_FAILED],
    },
  },
  {
    name: 'Paused: a released pod still terminating is no replica, no allocation and no endpoint',
    sandbox: sandbox().status({ phase: 'Paused', conditions: [condition('Paused', 'PauseSucceeded', 'Sandbox paused', T0)] }),
    pods: [aPod('bs-0').ready('10.0.0.1').terminating().build()],
    expected: {
      counters: [0, 0, 0],
      phase: 'Paused',
      conditions: [condition('Paused', 'PauseSucceeded', 'Sandbox paused', T0)],
      endpoints: [],
    },
  },
  ...(['Pausing', 'Paused', 'Resuming'] as const).map((phase) => ({
    name: `${phase}: phase and conditions belong to pause/resume, counters still follow the pods`,
    sandbox: sandbox().status({ phase, conditions: [condition('Progressing', 'X', 'y', T0), PAUSE_FAILED] }),
    pods: [failing(0, 'CrashLoopBackOff'), ready(1)],
    expected: {
      counters: [2, 2, 1] as [number, number, number],
      phase,
      conditions: [condition('Progressing', 'X', 'y', T0), PAUSE_FAILED],
    },
  })),
];

describe('computeRuntimeStatus', () => {
  it.each(CASES)('$name', ({ sandbox: builder, pods, expected }) => {
    const { status, endpoints } = computeRuntimeStatus({ sandbox: builder.build(), pods, now: NOW });
    if (expected.counters) {
      expect([status.replicas, status.allocated, status.ready]).toEqual(expected.counters);
    }
    expect(status.phase).toBe(expected.phase);
    expect(status.conditions).toEqual(expected.conditions);
    if (expected.endpoints) expect(endpoints).toEqual(expected.endpoints);
  });

  it('reports the generation it was computed from, keeps pauseObservedGeneration of a pause intent and the task counters (the tasks workflow writes those)', () => {
    const bs = sandbox().pause(true).status({ phase: 'Succeed', pauseObservedGeneration: 2, taskRunning: 5, taskSucceed: 1 }).build();
    const { status } = computeRuntimeStatus({ sandbox: bs, pods: [ready(0)], now: NOW });
    expect(status).toMatchObject({
      observedGeneration: 3,
      pauseObservedGeneration: 2,
      taskRunning: 5,
      taskSucceed: 1,
      taskFailed: 0,
      taskPending: 0,
      taskUnknown: 0,
    });
    // A first status starts with zero counters.
    expect(computeRuntimeStatus({ sandbox: sandbox().build(), pods: [ready(0)], now: NOW }).status).toMatchObject({ taskRunning: 0, taskPending: 0 });
  });

  it("acknowledges a generation without a pause intent (as upstream's normal flow), but never during a pause or resume", () => {
    const plain = sandbox().status({ phase: 'Succeed', pauseObservedGeneration: 2 }).build();
    expect(computeRuntimeStatus({ sandbox: plain, pods: [ready(0)], now: NOW }).status.pauseObservedGeneration).toBe(3);
    for (const phase of ['Pausing', 'Paused', 'Resuming'] as const) {
      const busy = sandbox().status({ phase, pauseObservedGeneration: 2 }).build();
      expect(computeRuntimeStatus({ sandbox: busy, pods: [ready(0)], now: NOW }).status.pauseObservedGeneration).toBe(2);
    }
  });

  it('is stable: recomputing from its own output changes nothing, later', () => {
    const first = computeRuntimeStatus({ sandbox: sandbox().build(), pods: [ready(0)], now: NOW }).status;
    const later = new Date(NOW.getTime() + 60_000);
    const second = computeRuntimeStatus({ sandbox: sandbox().status(first).build(), pods: [ready(0)], now: later }).status;
    expect(second).toEqual(first);
    expect(statusPatchNeeded(sandbox().status(first).build(), second)).toBe(false);
  });
});

describe('statusPatchNeeded', () => {
  it('writes nothing in the initial unallocated state (no status, no pod, replicas wanted)', () => {
    const bs = sandbox().build();
    expect(statusPatchNeeded(bs, computeRuntimeStatus({ sandbox: bs, pods: [], now: NOW }).status)).toBe(false);
  });

  it('writes the first status once a pod exists, or at once when no replica is wanted', () => {
    const bs = sandbox().build();
    expect(statusPatchNeeded(bs, computeRuntimeStatus({ sandbox: bs, pods: [scheduled(0)], now: NOW }).status)).toBe(true);
    const none = sandbox().replicas(0).build();
    expect(statusPatchNeeded(none, computeRuntimeStatus({ sandbox: none, pods: [], now: NOW }).status)).toBe(true);
  });

  it('writes when a counter changed', () => {
    const bs = sandbox()
      .status({ phase: 'Succeed', replicas: 1, allocated: 1, ready: 1, conditions: [READY] })
      .build();
    expect(statusPatchNeeded(bs, { ...bs.status!, ready: 0 })).toBe(true);
  });
});

describe('sameStatus', () => {
  const base = aBatchSandbox('bs')
    .status({ phase: 'Succeed', conditions: [READY, PAUSE_FAILED], observedGeneration: 1 })
    .build().status!;

  it('ignores condition order and time formatting', () => {
    const reordered = {
      ...base,
      conditions: [{ ...PAUSE_FAILED, lastTransitionTime: '2026-01-01T00:00:00.000Z' }, READY],
    };
    expect(sameStatus(base, reordered)).toBe(true);
  });

  it('treats an absent condition list as empty', () => {
    const { conditions: _, ...withoutConditions } = base;
    expect(sameStatus(withoutConditions, { ...base, conditions: [] })).toBe(true);
  });

  it('sees a moved transition time and a dropped condition', () => {
    expect(sameStatus(base, { ...base, conditions: [{ ...READY, lastTransitionTime: T0 }, PAUSE_FAILED] })).toBe(false);
    expect(sameStatus(base, { ...base, conditions: [READY] })).toBe(false);
  });
});

describe('endpointsPatchValue', () => {
  const withEndpoints = (value?: string) => {
    const builder = aBatchSandbox('bs');
    return (value === undefined ? builder : builder.annotation(ANNOTATIONS.endpoints, value)).build();
  };

  it.each<[string, string | undefined, string[], string | undefined]>([
    ['no annotation and no IP: nothing (a new sandbox gets no endpoints key)', undefined, [], undefined],
    ['the first IP creates the annotation, JSON without spaces', undefined, ['10.0.0.1', '10.0.0.2'], '["10.0.0.1","10.0.0.2"]'],
    ['unchanged: nothing', '["10.0.0.1"]', ['10.0.0.1'], undefined],
    ['pods gone: cleared to []', '["10.0.0.1"]', [], '[]'],
  ])('%s', (_name, current, endpoints, expected) => {
    expect(endpointsPatchValue(withEndpoints(current), endpoints)).toBe(expected);
  });
});
