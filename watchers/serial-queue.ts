// A per-key serial work queue for level-based reconciles (anchors #14), keyed kind/namespace/name:
// - one key never runs twice at once, and events for it coalesce: a key enqueued while it runs is run
//   once more afterwards however many events arrived (a key already waiting is not queued twice);
// - different keys run in parallel, up to `concurrency`, in arrival order;
// - a failed run is retried with per-key exponential backoff, reset by a success;
// - enqueueAfter() wakes a key later (timers such as expiry);
// - stop() takes no more work and waits for the runs in flight.
import { Counter, Histogram } from 'prom-client';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Backoff } from './resource-informer.js';

/** Thrown by a worker for an expected, transient failure (e.g. a write conflict): retried quietly. */
export class RetryLater extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RetryLater';
  }
}

export interface SerialQueueOptions {
  /** Names the queue in logs and metrics, e.g. `batchsandbox`. */
  name: string;
  worker: (key: string) => Promise<void>;
  log: Logger;
  concurrency?: number;
  backoff?: Backoff;
  clock?: Clock;
}

const DEFAULT_CONCURRENCY = 16;
/** controller-runtime starts at 5 ms too; 60 s rather than its 1000 s caps how stale a failed object gets. */
const DEFAULT_BACKOFF: Backoff = { initialMs: 5, maxMs: 60_000 };

const runsTotal = new Counter({
  name: 'opensandbox_operator_reconciles_total',
  help: 'Reconcile runs by queue and result (success, retry = expected transient failure, error).',
  labelNames: ['queue', 'result'],
});
const runSeconds = new Histogram({
  name: 'opensandbox_operator_reconcile_duration_seconds',
  help: 'Duration of reconcile runs.',
  labelNames: ['queue'],
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
});

/** waiting: queued for a slot; running; dirty: running and enqueued again meanwhile. */
type KeyState = 'waiting' | 'running' | 'dirty';

export class SerialQueue {
  private readonly name: string;
  private readonly worker: (key: string) => Promise<void>;
  private readonly log: Logger;
  private readonly concurrency: number;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private readonly states = new Map<string, KeyState>();
  /** Keys in state `waiting`, in arrival order. */
  private readonly waiting: string[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; cancel: () => void }>();
  private stopped = false;

  constructor(opts: SerialQueueOptions) {
    this.name = opts.name;
    this.worker = opts.worker;
    this.log = opts.log;
    this.concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.clock = opts.clock ?? systemClock;
  }

  enqueue(key: string): void {
    if (this.stopped) return;
    const state = this.states.get(key);
    if (state === 'running') this.states.set(key, 'dirty');
    if (state !== undefined) return;
    this.states.set(key, 'waiting');
    this.waiting.push(key);
    this.pump();
  }

  /**
   * Enqueues `key` after `ms`. One timer per key, the earliest wins: a later request while an earlier one
   * is pending is dropped, so callers re-arm their deadline on every run (a run woken early re-arms the
   * later one).
   */
  enqueueAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const at = this.clock.now().getTime() + ms;
    const pending = this.timers.get(key);
    if (pending !== undefined && pending.at <= at) return;
    pending?.cancel();
    const cancel = this.clock.schedule(() => {
      this.timers.delete(key);
      this.enqueue(key);
    }, ms);
    this.timers.set(key, { at, cancel });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    for (const key of this.waiting) this.states.delete(key);
    this.waiting.length = 0;
    await Promise.all(this.running.values());
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.waiting.length > 0) {
      const key = this.waiting.shift()!;
      this.states.set(key, 'running');
      this.running.set(key, this.run(key));
    }
  }

  /** Never rejects: failures become retries. */
  private async run(key: string): Promise<void> {
    const endTimer = runSeconds.startTimer({ queue: this.name });
    try {
      await this.worker(key);
      this.failures.delete(key);
      runsTotal.inc({ queue: this.name, result: 'success' });
    } catch (err) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const retryInMs = Math.min(this.backoff.initialMs * 2 ** (failures - 1), this.backoff.maxMs);
      const expected = err instanceof RetryLater;
      runsTotal.inc({ queue: this.name, result: expected ? 'retry' : 'error' });
      this.log[expected ? 'debug' : 'warn']({ queue: this.name, key, err, failures, retryInMs }, 'Reconcile failed');
      this.enqueueAfter(key, retryInMs);
    } finally {
      endTimer();
      const dirty = this.states.get(key) === 'dirty';
      this.states.delete(key);
      this.running.delete(key);
      if (dirty) this.enqueue(key);
      this.pump();
    }
  }
}
