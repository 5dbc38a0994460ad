import { describe, expect, it } from '@jest/globals';
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import type { RecycleStrategy } from '../../api/v1alpha1/pool.js';
import { planRecycle, type RecycleInput, type RecyclePlan } from '../../planners/pool/recycle.js';
import { aPod, type PodBuilder } from '../builders/pod.js';
import type { PodDigest } from '../../planners/pool/pool-observation.js';

const NOW = new Date('2026-01-01T01:00:00.250Z');
const NOW_RFC3339 = '2026-01-01T01:00:00Z';
const secondsAgo = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

/** A running pool pod whose two containers run under their first container IDs. */
const running = (): PodBuilder =>
  aPod('p-1').inPool('p').ready().container('sandbox', { id: 'cri://sandbox-1' }).container('sidecar', { id: 'cri://sidecar-1' });

const FIRST_IDS = { sandbox: 'cri://sandbox-1', sidecar: 'cri://sidecar-1' };
const RECORD_START = '2026-01-01T00:59:00Z';

/** The restart record sandbox `bs` left on the pod. */
function record(fields: { retryCount: number; lastRetryTime?: string; id?: string }): string {
  return JSON.stringify({ id: 'bs', startTime: RECORD_START, containers: FIRST_IDS, ...fields });
}

function recycle(strategy: RecycleStrategy | undefined, pod: PodDigest | undefined, restartConfig?: string): RecyclePlan {
  const input: RecycleInput = { strategy, pod, restartConfig, sandboxName: 'bs', now: NOW };
  return planRecycle(input);
}

const RESTART: RecycleStrategy = { type: 'Restart' };

describe('planRecycle: strategies', () => {
  it.each<[string, RecycleStrategy | undefined, PodDigest | undefined, RecyclePlan['outcome']]>([
    ['Delete: a present pod is to be deleted', { type: 'Delete' }, running().digest(), 'NeedDelete'],
    ['Delete: a terminating pod is done', { type: 'Delete' }, running().terminating().digest(), 'Succeeded'],
    ['Delete: a gone pod is done', { type: 'Delete' }, undefined, 'Succeeded'],
    ['no strategy means Delete', undefined, running().digest(), 'NeedDelete'],
    ['a strategy without type means Delete', {}, running().digest(), 'NeedDelete'],
    ['an unknown type means Delete', { type: 'Explode' } as unknown as RecycleStrategy, running().digest(), 'NeedDelete'],
    ['Noop: the pod is reused as is', { type: 'Noop' }, running().digest(), 'Succeeded'],
    ['Noop: even when it is not ready', { type: 'Noop' }, aPod('p-1').phase('Running').digest(), 'Succeeded'],
    ['Restart: a gone pod is done', RESTART, undefined, 'Succeeded'],
    ['Restart: a terminating pod is done (e.g. after the Failed fallback)', RESTART, running().terminating().digest(), 'Succeeded'],
  ])('%s', (_, strategy, pod, outcome) => {
    const plan = recycle(strategy, pod);
    expect(plan.outcome).toBe(outcome);
    expect(plan).not.toHaveProperty('execCommand');
  });
});

describe('planRecycle: the Restart state machine', () => {
  /** Attempt `retryCount` fired now, of a restart that started at `startTime`. */
  const fired = (retryCount: number, startTime = NOW_RFC3339, containers: Record<string, string> = FIRST_IDS): Omit<RecyclePlan, 'message'> => ({
    outcome: 'Restarting',
    recordToWrite: JSON.stringify({ id: 'bs', startTime, containers, lastRetryTime: NOW_RFC3339, retryCount }),
    execCommand: { containers: Object.keys(containers).sort(), command: ['kill', '1'] },
    retryAfterMs: 30_000,
  });
  const firstAttempt = fired(1);
  const waiting = (retryAfterMs: number): Omit<RecyclePlan, 'message'> => ({ outcome: 'Restarting', retryAfterMs });

  it.each<[string, PodBuilder, Omit<RecyclePlan, 'message'>]>([
    ['no record: records the running containers and fires attempt 1', running(), firstAttempt],
    [
      "another sandbox's record: starts over",
      running().annotation(ANNOTATIONS.restartRecord, record({ id: 'other', retryCount: 3, lastRetryTime: secondsAgo(1) })),
      firstAttempt,
    ],
    ['an unparsable record: starts over', running().annotation(ANNOTATIONS.restartRecord, '{"id":'), firstAttempt],
    [
      'a record of the wrong shape: starts over',
      running().annotation(ANNOTATIONS.restartRecord, JSON.stringify({ id: 'bs', retryCount: 'two' })),
      firstAttempt,
    ],
    [
      'within the retry interval: waits for the rest of it (B9: a timer, not a pod event)',
      running().annotation(ANNOTATIONS.restartRecord, record({ retryCount: 1, lastRetryTime: secondsAgo(10) })),
      waiting(20_000),
    ],
    [
      'interval over, containers unchanged: attempt 2, start time kept',
      running().annotation(ANNOTATIONS.restartRecord, record({ retryCount: 1, lastRetryTime: secondsAgo(30) })),
      fired(2, RECORD_START),
    ],
    [
      'the last attempt also gets its full interval',
      running().annotation(ANNOTATIONS.restartRecord, record({ retryCount: 3, lastRetryTime: secondsAgo(5) })),
      waiting(25_000),
    ],
    [
      'max retries spent and the interval over: Failed (the pod is deleted instead)',
      running().annotation(ANNOTATIONS.restartRecord, record({ retryCount: 3, lastRetryTime: secondsAgo(31) })),
      { outcome: 'Failed' },
    ],
    [
      'every container runs under a new ID: Succeeded',
      running()
        .container('sandbox', { id: 'cri://sandbox-2', restarts: 1 })
        .container('sidecar', { id: 'cri://sidecar-2', restarts: 1 })
        .annotation(ANNOTATIONS.restartRecord, record({ retryCount: 1, lastRetryTime: secondsAgo(3) })),
      { outcome: 'Succeeded' },
    ],
    [
      'one container restarted, the other not yet',
      running()
        .container('sandbox', { id: 'cri://sandbox-2', restarts: 1 })
        .annotation(ANNOTATIONS.restartRecord, record({ retryCount: 1, lastRetryTime: secondsAgo(3) })),
      waiting(27_000),
    ],
    [
      'a new container ID that is not running yet is not a success',
      running()
        .container('sandbox', { id: 'cri://sandbox-2', running: false })
        .container('sidecar', { id: 'cri://sidecar-2', running: false })
        .annotation(ANNOTATIONS.restartRecord, record({ retryCount: 1, lastRetryTime: secondsAgo(3) })),
      waiting(27_000),
    ],
    [
      'a recorded container missing from the status is not a success',
      aPod('p-1')
        .ready()
        .container('sandbox', { id: 'cri://sandbox-2' })
        .annotation(ANNOTATIONS.restartRecord, record({ retryCount: 1, lastRetryTime: secondsAgo(3) })),
      waiting(27_000),
    ],
    [
      'an unreadable lastRetryTime does not hold the next attempt back',
      running().annotation(ANNOTATIONS.restartRecord, record({ retryCount: 1, lastRetryTime: 'yesterday' })),
      fired(2, RECORD_START),
    ],
    [
      'containers not running when the restart starts are not restarted',
      running().container('sidecar', { running: false }),
      fired(1, NOW_RFC3339, { sandbox: 'cri://sandbox-1' }),
    ],
    ['a Pending pod: waits one interval without touching it', aPod('p-1').phase('Pending'), waiting(30_000)],
    ['a pod with an unknown phase: waits', aPod('p-1').phase('Unknown'), waiting(30_000)],
    ['a Failed pod can never run again: Failed', aPod('p-1').phase('Failed'), { outcome: 'Failed' }],
    ['a Succeeded pod can never run again: Failed', aPod('p-1').phase('Succeeded'), { outcome: 'Failed' }],
  ])('%s', (_, builder, expected) => {
    const { message, ...plan } = recycle(RESTART, builder.digest());
    expect(plan).toEqual(expected);
    expect(message).not.toBe('');
  });
});

describe('planRecycle: the Pool restart-config', () => {
  const attempt = (config: string | undefined, pod = running()) => {
    const { outcome, execCommand, retryAfterMs, recordToWrite } = recycle(RESTART, pod.digest(), config);
    return { outcome, execCommand, retryAfterMs, recorded: recordToWrite && Object.keys(JSON.parse(recordToWrite).containers) };
  };
  const DEFAULTS = {
    outcome: 'Restarting',
    execCommand: { containers: ['sandbox', 'sidecar'], command: ['kill', '1'] },
    retryAfterMs: 30_000,
    recorded: ['sandbox', 'sidecar'],
  };

  it.each<[string, string | undefined, object]>([
    ['absent: defaults', undefined, DEFAULTS],
    ['not JSON: defaults', 'retry=5', DEFAULTS],
    ['a JSON array: defaults', '[1,2]', DEFAULTS],
    [
      'every field set',
      JSON.stringify({ retryInterval: '1m30s', maxRetries: 5, restartCommand: ['sh', '-c', 'kill 1'], blacklist: ['sidecar'] }),
      { outcome: 'Restarting', execCommand: { containers: ['sandbox'], command: ['sh', '-c', 'kill 1'] }, retryAfterMs: 90_000, recorded: ['sandbox'] },
    ],
    ['invalid fields fall back one by one', JSON.stringify({ retryInterval: 'soon', maxRetries: 0, restartCommand: [], blacklist: 'sidecar' }), DEFAULTS],
    ['a zero interval falls back (it would be no timer at all)', JSON.stringify({ retryInterval: '0s' }), DEFAULTS],
    [
      'every container blacklisted: nothing to restart, Succeeded',
      JSON.stringify({ blacklist: ['sandbox', 'sidecar'] }),
      { outcome: 'Succeeded', execCommand: undefined, retryAfterMs: undefined, recorded: undefined },
    ],
  ])('%s', (_, config, expected) => {
    expect(attempt(config)).toEqual(expected);
  });

  it.each<[string, string | undefined, RecyclePlan['outcome']]>([
    ['default maxRetries 3 allows a 3rd attempt', undefined, 'Restarting'],
    ['maxRetries 2 gives up after 2', JSON.stringify({ maxRetries: 2 }), 'Failed'],
    ['a fractional maxRetries falls back to 3', JSON.stringify({ maxRetries: 2.5 }), 'Restarting'],
  ])('%s', (_, config, outcome) => {
    const pod = running().annotation(ANNOTATIONS.restartRecord, record({ retryCount: 2, lastRetryTime: secondsAgo(60) }));
    expect(recycle(RESTART, pod.digest(), config).outcome).toBe(outcome);
  });
});

describe('planRecycle: a Restart driven to the end', () => {
  /** Applies each plan to the pod as the caller would, advancing the clock by retryAfterMs. */
  function drive(restartsAfterAttempt: number | undefined): { outcome: string; attempts: number; elapsedMs: number } {
    let pod = running().digest();
    let now = NOW.getTime();
    let attempts = 0;
    for (;;) {
      const plan = planRecycle({ strategy: RESTART, pod, restartConfig: undefined, sandboxName: 'bs', now: new Date(now) });
      if (plan.outcome !== 'Restarting') return { outcome: plan.outcome, attempts, elapsedMs: now - NOW.getTime() };
      if (plan.recordToWrite) pod = { ...pod, restart: { ...pod.restart!, record: plan.recordToWrite } };
      if (plan.execCommand && ++attempts === restartsAfterAttempt) {
        const restarted = running().container('sandbox', { id: 'cri://sandbox-2' }).container('sidecar', { id: 'cri://sidecar-2' }).digest();
        pod = { ...restarted, restart: { ...restarted.restart!, record: pod.restart!.record } };
      }
      now += plan.retryAfterMs!;
    }
  }

  it.each<[string, number | undefined, { outcome: string; attempts: number; elapsedMs: number }]>([
    ['containers restart after attempt 1', 1, { outcome: 'Succeeded', attempts: 1, elapsedMs: 30_000 }],
    ['containers restart after attempt 3', 3, { outcome: 'Succeeded', attempts: 3, elapsedMs: 90_000 }],
    ['containers never restart: 3 attempts, each given 30 s, then Failed', undefined, { outcome: 'Failed', attempts: 3, elapsedMs: 90_000 }],
  ])('%s', (_, restartsAfterAttempt, expected) => {
    expect(drive(restartsAfterAttempt)).toEqual(expected);
  });
});
