// The pool signaler's coalescing, driven by a fake clock and a fake Temporal client whose signals finish
// only when the test says: a signal that hangs for seconds (seen on the real server around a
// continue-as-new) is fault injection the dev server cannot be made to produce on demand.
import { describe, expect, it } from '@jest/globals';
import type { Client } from '@temporalio/client';
import { createLogger } from '../../kernel/logger.js';
import { PoolSignaler, SIGNAL_INTERVAL_MS, type PoolSignalerOptions } from '../../watchers/pool-signaler.js';
import { FakeClock, settle } from '../support/fake-clock.js';

function harness(pools: { namespace: string; name: string }[] = []) {
  const clock = new FakeClock();
  const calls: { workflowId: string; finish: () => void; fail: () => void }[] = [];
  const client = {
    workflow: {
      signalWithStart: (_type: string, options: { workflowId: string }) =>
        new Promise<void>((resolve, reject) =>
          calls.push({ workflowId: options.workflowId, finish: resolve, fail: () => reject(new Error('14 UNAVAILABLE: connection refused')) }),
        ),
    },
  } as unknown as Client;
  const informer = { on: () => undefined };
  /** The BatchSandbox informer's handlers: a test plays its watch events. */
  const sandboxEvents = new Map<string, (obj: unknown) => void>();
  const batchSandboxes = { on: (event: string, handler: (obj: unknown) => void) => void sandboxEvents.set(event, handler) };
  const signaler = new PoolSignaler({
    client,
    taskQueue: 'test',
    informers: {
      pools: { ...informer, list: () => pools.map((metadata) => ({ metadata })) },
      pods: informer,
      batchSandboxes,
    } as unknown as PoolSignalerOptions['informers'],
    log: createLogger('error'),
    clock,
  });
  return { clock, calls, signaler, sandboxEvents };
}

describe('PoolSignaler', () => {
  it('wakes every pool the informer holds, changed or not: a run that failed or was terminated by hand is replaced', () => {
    const { calls, signaler } = harness([
      { namespace: 'a', name: 'warm' },
      { namespace: 'b', name: 'cold' },
    ]);
    signaler.wakeAll();
    expect(calls.map((c) => c.workflowId)).toEqual(['pool/a/warm', 'pool/b/cold']);
  });

  it('sends a failed signal again with a growing delay until one gets through (Temporal restarting)', async () => {
    const { calls, signaler, clock } = harness();
    signaler.poolChanged('ns', 'warm');
    calls[0]!.fail();
    await settle();
    expect(calls).toHaveLength(1);
    await clock.advance(250);
    expect(calls).toHaveLength(2);
    calls[1]!.fail();
    await settle();
    // A change while backing off waits for the retry, which carries it.
    signaler.poolChanged('ns', 'warm');
    await clock.advance(499);
    expect(calls).toHaveLength(2);
    await clock.advance(1);
    expect(calls).toHaveLength(3);
    calls[2]!.finish();
    await settle();
    // Through: nothing more is sent or waiting, and the next failure starts from the first delay again.
    await clock.advance(10_000);
    expect(calls).toHaveLength(3);
    expect(clock.pendingDelays()).toEqual([]);
    signaler.poolChanged('ns', 'warm');
    calls[3]!.fail();
    await settle();
    expect(clock.pendingDelays()).toEqual([250]);
  });

  it('signals a pool at most once an interval: a burst collapses into one follow-up at its end', async () => {
    const { calls, signaler, clock } = harness();
    signaler.poolChanged('ns', 'warm');
    for (let i = 0; i < 5; i++) signaler.poolChanged('ns', 'warm');
    await clock.advance(SIGNAL_INTERVAL_MS / 2);
    expect(calls).toHaveLength(1);

    // The first signal is through long before the interval ends: the follow-up still waits for its end.
    calls[0]!.finish();
    await settle();
    signaler.poolChanged('ns', 'warm');
    expect(calls).toHaveLength(1);
    await clock.advance(SIGNAL_INTERVAL_MS / 2);
    expect(calls).toHaveLength(2);
    calls[1]!.finish();
    await settle();
    // Nothing happened since the follow-up: no further signal, and none waiting.
    await clock.advance(10 * SIGNAL_INTERVAL_MS);
    expect(calls).toHaveLength(2);
    expect(clock.pendingDelays()).toEqual([]);
    // A change after a quiet interval goes out at once.
    signaler.poolChanged('ns', 'warm');
    expect(calls).toHaveLength(3);
  });

  it('does not let a hanging signal hold back the next change: the follow-up goes out once the hanging one is slow', async () => {
    const { calls, signaler, clock } = harness();
    signaler.poolChanged('ns', 'warm'); // hangs
    await clock.advance(10);
    signaler.poolChanged('ns', 'warm');
    await clock.advance(SIGNAL_INTERVAL_MS - 11);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls).toHaveLength(2);

    // With only the hanging signal outstanding, a change is signalled once the interval has passed.
    calls[1]!.finish();
    await settle();
    signaler.poolChanged('ns', 'warm');
    expect(calls).toHaveLength(2);
    await clock.advance(SIGNAL_INTERVAL_MS);
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.workflowId)).toEqual(['pool/ns/warm', 'pool/ns/warm', 'pool/ns/warm']);
  });

  it('keeps at most eight signals of a pool outstanding; a finished one lets the held-back change out', async () => {
    const { calls, signaler, clock } = harness();
    for (let i = 0; i < 20; i++) {
      signaler.poolChanged('ns', 'warm');
      await clock.advance(SIGNAL_INTERVAL_MS);
    }
    expect(calls).toHaveLength(8);

    calls[0]!.finish();
    await settle();
    expect(calls).toHaveLength(9);
  });

  it("wakes the pool for a sandbox's task-cleanup finalizer going (its pods go back then), not for its status", async () => {
    const { calls, sandboxEvents, clock } = harness();
    const sandbox = (finalizers: string[], status: object = {}) => ({
      kind: 'BatchSandbox',
      metadata: { name: 'bs', namespace: 'ns', uid: 'u1', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers },
      spec: { poolRef: 'warm', replicas: 1 },
      status,
    });
    const both = ['batch-sandbox.sandbox.opensandbox.io/task-cleanup', 'pool.sandbox.opensandbox.io/pool-allocation'];
    sandboxEvents.get('add')!(sandbox(both));
    calls[0]!.finish();
    await settle();
    sandboxEvents.get('update')!(sandbox(both, { taskRunning: 0 }));
    await clock.advance(SIGNAL_INTERVAL_MS);
    expect(calls).toHaveLength(1);
    sandboxEvents.get('update')!(sandbox(both.slice(1)));
    expect(calls.map((c) => c.workflowId)).toEqual(['pool/ns/warm', 'pool/ns/warm']);
  });

  it('knows a listed object (lists carry no kind) when its watch events (which do) change nothing for the pool', async () => {
    const { calls, sandboxEvents, clock } = harness();
    const sandbox = { metadata: { name: 'bs', namespace: 'ns', uid: 'u1' }, spec: { poolRef: 'warm', replicas: 1 } };
    sandboxEvents.get('add')!(sandbox);
    calls[0]!.finish();
    await settle();
    sandboxEvents.get('update')!({ kind: 'BatchSandbox', ...sandbox, status: { ready: 1 } });
    await clock.advance(SIGNAL_INTERVAL_MS);
    expect(calls).toHaveLength(1);
  });

  it('signals each pool on its own: a hanging signal of one pool holds back no other pool', async () => {
    const { calls, signaler } = harness();
    signaler.poolChanged('ns', 'a');
    signaler.poolChanged('ns', 'b');
    signaler.poolChanged('other', 'a');
    expect(calls.map((c) => c.workflowId)).toEqual(['pool/ns/a', 'pool/ns/b', 'pool/other/a']);
  });

  it('forgets a pool once its last signal is an interval old: poolRefs named over time do not pile up', async () => {
    const { calls, signaler, clock } = harness();
    for (let i = 0; i < 1_000; i++) signaler.poolChanged('ns', `pool-${i}`);
    for (const call of calls) call.finish();
    await settle();
    expect(signaler.poolsTracked).toBe(1_000);
    await clock.advance(SIGNAL_INTERVAL_MS);
    // Each new signal may sweep; the pools signalled within the interval are kept (they hold the next one back).
    for (let i = 0; i < 1_000; i++) signaler.poolChanged('ns', `fresh-${i}`);
    signaler.poolChanged('ns', 'fresh-0');
    expect(signaler.poolsTracked).toBeLessThanOrEqual(1_000);
    expect(calls).toHaveLength(2_000);
    await clock.advance(SIGNAL_INTERVAL_MS);
    for (const call of calls) call.finish();
    await settle();
    signaler.poolChanged('ns', 'last');
    for (let i = 0; i < 600; i++) signaler.poolChanged('ns', `later-${i}`);
    expect(signaler.poolsTracked).toBeLessThan(700);
  });
});
