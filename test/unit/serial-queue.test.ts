// The per-key serial queue: ordering and coalescing per key, bounded parallelism across keys, per-key
// exponential backoff, delayed wake-ups and a draining stop(), driven by a fake clock.
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../kernel/logger.js';
import { RetryLater, SerialQueue } from '../../watchers/serial-queue.js';
import { FakeClock, settle } from '../support/fake-clock.js';

interface Gate {
  promise: Promise<void>;
  open: () => void;
  fail: (err: unknown) => void;
}

function gate(): Gate {
  let open!: () => void;
  let fail!: (err: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** A queue whose worker logs each run and, when told to, waits on a gate per run. */
function harness(opts: { concurrency?: number; gated?: boolean; outcomes?: (Error | 'ok')[] } = {}) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const runs: string[] = [];
  const gates: Gate[] = [];
  const outcomes = [...(opts.outcomes ?? [])];
  let active = 0;
  let maxActive = 0;
  const queue = new SerialQueue({
    name: 'test',
    log: createLogger('debug', { write: (line: string) => void lines.push(line) }),
    clock,
    concurrency: opts.concurrency,
    backoff: { initialMs: 5, maxMs: 40 },
    worker: async (key) => {
      runs.push(key);
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        if (opts.gated) {
          const g = gate();
          gates.push(g);
          await g.promise;
        }
        const outcome = outcomes.shift() ?? 'ok';
        if (outcome !== 'ok') throw outcome;
      } finally {
        active--;
      }
    },
  });
  return { queue, clock, lines, runs, gates, maxActive: () => maxActive, active: () => active };
}

describe('SerialQueue', () => {
  it('runs a burst of events for one running key exactly once more, after the run in flight', async () => {
    const h = harness({ gated: true });
    h.queue.enqueue('k');
    await settle();
    for (let i = 0; i < 10; i++) h.queue.enqueue('k');
    expect(h.runs).toEqual(['k']);
    h.gates[0]!.open();
    await settle();
    expect(h.runs).toEqual(['k', 'k']);
    expect(h.maxActive()).toBe(1);
    h.gates[1]!.open();
    await settle();
    expect(h.runs).toEqual(['k', 'k']);
  });

  it('queues a waiting key once however often it is enqueued', async () => {
    const h = harness({ gated: true, concurrency: 1 });
    h.queue.enqueue('a');
    h.queue.enqueue('b');
    h.queue.enqueue('b');
    h.queue.enqueue('b');
    await settle();
    h.gates[0]!.open();
    await settle();
    h.gates[1]!.open();
    await settle();
    expect(h.runs).toEqual(['a', 'b']);
  });

  it('runs different keys in parallel up to the bound, in arrival order', async () => {
    const h = harness({ gated: true, concurrency: 2 });
    for (const key of ['a', 'b', 'c', 'd']) h.queue.enqueue(key);
    await settle();
    expect(h.runs).toEqual(['a', 'b']);
    h.gates[1]!.open();
    await settle();
    expect(h.runs).toEqual(['a', 'b', 'c']);
    expect(h.active()).toBe(2);
    h.gates[0]!.open();
    await settle();
    expect(h.runs).toEqual(['a', 'b', 'c', 'd']);
    expect(h.maxActive()).toBe(2);
  });

  it('retries a failing key with doubling backoff, capped, and resets it after a success', async () => {
    const boom = new Error('boom');
    const h = harness({ outcomes: [boom, boom, boom, boom, boom, 'ok', boom] });
    h.queue.enqueue('k');
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await settle();
      delays.push(...h.clock.pendingDelays());
      await h.clock.advance(h.clock.pendingDelays()[0]!);
    }
    expect(delays).toEqual([5, 10, 20, 40, 40]);
    await settle();
    expect(h.runs).toHaveLength(6); // the sixth run succeeded: no retry pending
    expect(h.clock.pendingDelays()).toEqual([]);
    h.queue.enqueue('k');
    await settle();
    expect(h.clock.pendingDelays()).toEqual([5]);
  });

  it('logs expected failures (RetryLater) at debug and others at warn', async () => {
    const h = harness({ outcomes: [new RetryLater('conflict'), new Error('broken')] });
    h.queue.enqueue('k');
    await settle();
    await h.clock.advance(5);
    const logged = h.lines.map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(logged.filter((l) => l.msg === 'Reconcile failed').map((l) => l.level)).toEqual(['debug', 'warn']);
  });

  it('wakes a key after a delay; the earliest pending wake-up wins', async () => {
    const h = harness();
    h.queue.enqueueAfter('k', 1_000);
    h.queue.enqueueAfter('k', 5_000); // later: dropped, the run at 1 s re-arms it
    expect(h.clock.pendingDelays()).toEqual([1_000]);
    h.queue.enqueueAfter('k', 200); // earlier: replaces
    expect(h.clock.pendingDelays()).toEqual([200]);
    await h.clock.advance(199);
    expect(h.runs).toEqual([]);
    await h.clock.advance(1);
    expect(h.runs).toEqual(['k']);
    await h.clock.advance(10_000);
    expect(h.runs).toEqual(['k']);
  });

  it('stop() waits for the runs in flight, drops waiting keys and timers, and takes no more work', async () => {
    const h = harness({ gated: true, concurrency: 1 });
    h.queue.enqueue('a');
    h.queue.enqueue('b');
    h.queue.enqueueAfter('c', 100);
    await settle();
    let stopped = false;
    const stopping = h.queue.stop().then(() => {
      stopped = true;
    });
    h.queue.enqueue('d');
    await settle();
    expect(stopped).toBe(false);
    h.gates[0]!.open();
    await stopping;
    await h.clock.advance(1_000);
    expect(h.runs).toEqual(['a']);
    expect(h.clock.pendingDelays()).toEqual([]);
  });
});
