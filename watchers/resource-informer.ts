// A client-node informer that survives API-server trouble.
// client-node's ListWatch relists by itself after 410 Gone, but on any other list or watch error it
// calls its `error` callbacks and stops for good. This wrapper restarts it with exponential backoff
// (reset once a restart connects again) and counts what happened.
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import { Counter, Gauge } from 'prom-client';
import { objectLogFields, type Logger } from '../kernel/logger.js';

/** What `makeInformer` returns (a ListWatch); tests substitute a fake to inject failures. */
export type ListWatchLike<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export type InformerEventType = 'add' | 'update' | 'delete';
export const INFORMER_EVENT_TYPES: readonly InformerEventType[] = ['add', 'update', 'delete'];

const eventsTotal = new Counter({
  name: 'opensandbox_operator_informer_events_total',
  help: 'Objects added, updated or deleted in an informer cache (initial list included).',
  labelNames: ['kind', 'event'],
});
const errorsTotal = new Counter({
  name: 'opensandbox_operator_informer_errors_total',
  help: 'List or watch errors that stopped an informer.',
  labelNames: ['kind'],
});
const restartsTotal = new Counter({
  name: 'opensandbox_operator_informer_restarts_total',
  help: 'Informer restarts after an error.',
  labelNames: ['kind'],
});
const handlerErrorsTotal = new Counter({
  name: 'opensandbox_operator_informer_handler_errors_total',
  help: 'Event handlers that threw (the event is dropped, the informer carries on).',
  labelNames: ['kind', 'event'],
});
const syncedGauge = new Gauge({
  name: 'opensandbox_operator_informer_synced',
  help: '1 once the informer has listed its objects and started watching.',
  labelNames: ['kind'],
});

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 30_000 };

/** Waits `ms`; rejects (or resolves early) once `signal` aborts. Injected so tests need no timers. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

const realSleep: Sleep = (ms, signal) => sleepFor(ms, undefined, { signal });

export interface ResourceInformerOptions<T extends KubernetesObject> {
  /** Kind name for logs and metric labels, e.g. `Pool`. */
  kind: string;
  listWatch: ListWatchLike<T>;
  log: Logger;
  backoff?: Backoff;
  sleep?: Sleep;
}

export class ResourceInformer<T extends KubernetesObject> {
  readonly kind: string;
  private readonly listWatch: ListWatchLike<T>;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly sleep: Sleep;
  private running = false;
  private synced = false;
  private nextDelayMs: number;
  /** Set by the error callback while a (re)start is in progress. */
  private attemptFailed = false;
  private restartPending = false;
  private stopSignal = new AbortController();

  constructor(opts: ResourceInformerOptions<T>) {
    this.kind = opts.kind;
    this.listWatch = opts.listWatch;
    this.log = opts.log;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.sleep = opts.sleep ?? realSleep;
    this.nextDelayMs = this.backoff.initialMs;
    this.listWatch.on('error', (err: unknown) => this.onError(err));
    for (const event of INFORMER_EVENT_TYPES) this.listWatch.on(event, () => eventsTotal.inc({ kind: this.kind, event }));
  }

  /** Handlers run synchronously in event order; one that throws is logged and counted, never fatal. */
  on(event: InformerEventType, handler: (obj: T) => void): void {
    this.listWatch.on(event, (obj: T) => {
      try {
        handler(obj);
      } catch (err) {
        handlerErrorsTotal.inc({ kind: this.kind, event });
        this.log.error({ ...objectLogFields(obj, this.kind), event, err }, 'Informer event handler failed');
      }
    });
  }

  /** Resolves after the first attempt; failures are retried in the background until stop(). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopSignal = new AbortController();
    await this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopSignal.abort();
    await this.listWatch.stop();
  }

  /** True once the first list completed and the watch started; stays true across restarts. */
  hasSynced(): boolean {
    return this.synced;
  }

  list(namespace?: string): ReadonlyArray<T> {
    return this.listWatch.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.listWatch.get(name, namespace);
  }

  private async connect(): Promise<void> {
    this.attemptFailed = false;
    const started = performance.now();
    try {
      // ListWatch.start() resolves once it has listed (when needed) and opened the watch, or
      // right after reporting a failure through the error callback.
      await this.listWatch.start();
    } catch (err) {
      // Thrown before any request is made (e.g. credentials could not be loaded).
      this.onError(err);
    }
    if (this.attemptFailed || !this.running) return;
    this.nextDelayMs = this.backoff.initialMs;
    if (!this.synced) {
      this.synced = true;
      syncedGauge.set({ kind: this.kind }, 1);
      this.log.info({ kind: this.kind }, 'Informer synced');
    } else {
      // A restart that never says so is one that hangs: this line is how a stalled informer shows.
      this.log.info({ kind: this.kind, ms: Math.round(performance.now() - started) }, 'Informer restarted');
    }
  }

  private onError(err: unknown): void {
    this.attemptFailed = true;
    // After stop() the aborted watch reports its abort as an error: not a failure.
    if (!this.running) return;
    errorsTotal.inc({ kind: this.kind });
    this.log.warn({ kind: this.kind, err, retryInMs: this.nextDelayMs }, 'Informer stopped by a list/watch error');
    void this.restartAfterBackoff();
  }

  private async restartAfterBackoff(): Promise<void> {
    if (this.restartPending) return;
    this.restartPending = true;
    const delayMs = this.nextDelayMs;
    this.nextDelayMs = Math.min(delayMs * 2, this.backoff.maxMs);
    try {
      await this.sleep(delayMs, this.stopSignal.signal);
    } catch {
      // Aborted by stop().
    } finally {
      this.restartPending = false;
    }
    if (!this.running) return;
    restartsTotal.inc({ kind: this.kind });
    this.log.info({ kind: this.kind }, 'Restarting informer');
    await this.connect();
  }
}

/** What a controller needs of an informer (tests pass fakes). */
export type InformerView<T extends KubernetesObject> = Pick<ResourceInformer<T>, 'on' | 'get' | 'list'>;
