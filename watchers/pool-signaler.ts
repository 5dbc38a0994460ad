// Wakes pool workflows: any change to a Pool, to one of its pods, or to a BatchSandbox that uses it
// becomes a `poolChanged` signal (signal-with-start, so the first event also starts the workflow).
// Signals for one pool coalesce: a pool is signalled at most once per SIGNAL_INTERVAL_MS, and events in
// between collapse into one follow-up at the interval's end. The workflow needs one signal per round, not
// one per event: a pool warming 200 pods got about 300 signals a second, and more than 100 events
// buffered during one workflow task make the server fail that task (FORCE_CLOSE_COMMAND), after which
// the SDK replayed the run into a nondeterminism error (seen with a work-only worker's slow observations).
// A signal still in flight does not hold the follow-up back longer than that either: one can hang for
// seconds (seen around a continue-as-new of the pool workflow), and the sandboxes created meanwhile must
// not wait for it.
// A signal that fails (Temporal unreachable, restarting) is sent again with backoff until one gets
// through: the events it carried happened, and nothing else would wake the pool before its resync.
// Every pool is also woken every POOL_WAKE_INTERVAL_MS, changed or not (wakeAll, run by the watch role):
// a run that failed (workers/workflow-failure-policy.ts) or was terminated by hand is replaced then, even
// in a pool where nothing happens.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { namesPool } from '../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, FINALIZERS, LABELS } from '../api/v1alpha1/contract.js';
import { failingReason, isReady, isTerminating } from '../planners/kube/pod-state.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { NAMESPACE_ATTRIBUTE, OPERATION_ATTRIBUTE, POOL_ATTRIBUTE } from '../workflows/search-attributes.js';
import { POOL_WORKFLOW_OPERATION, POOL_WORKFLOW_TASK_TIMEOUT, poolChangedSignal, poolWorkflowId, type poolWorkflow } from '../workflows/pool-workflow.js';
import type { OperatorInformers } from './operator-informers.js';
import type { ResourceInformer } from './resource-informer.js';

export interface PoolSignalerOptions {
  client: Client;
  taskQueue: string;
  informers: Pick<OperatorInformers, 'pools' | 'pods' | 'batchSandboxes'>;
  log: Logger;
  /** Times how long a signal has been outstanding (default: the system clock). */
  clock?: Clock;
}

/** How often every pool is woken without a change (wakeAll): the longest a quiet pool goes without a run. */
export const POOL_WAKE_INTERVAL_MS = 5 * 60_000;
/** The shortest time between two signals of one pool (a signal outstanding this long holds nothing back). */
export const SIGNAL_INTERVAL_MS = 100;
/** At most this many signals per pool are outstanding at once (slow ones included). */
const MAX_SIGNALS_IN_FLIGHT = 8;
/** Retry delays of a failed signal: doubling from the first to the last. */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 4_000;
/** Pools remembered by their last signal before the first sweep of those an interval old. */
const FIRST_SWEEP_AT = 256;

interface SignalInFlight {
  done: Promise<void>;
}

export class PoolSignaler {
  private readonly inFlight = new Map<string, Set<SignalInFlight>>();
  /**
   * Per pool, when its last signal was sent. Swept of pools whose last signal is an interval old (it holds
   * nothing back any more) once it doubles in size: every poolRef any sandbox ever named passes through it.
   */
  private readonly lastSent = new Map<string, number>();
  private sweepAt = FIRST_SWEEP_AT;
  private readonly pending = new Set<string>();
  /** Per pool, the wake-up (its cancel) that sends a held-back follow-up once the signal holding it back turns slow. */
  private readonly recheck = new Map<string, () => void>();
  /** Per pool, the delay before the next try after a failed signal (absent: the last one got through). */
  private readonly retryDelay = new Map<string, number>();
  private readonly clock: Clock;

  /**
   * Last seen planning-relevant fingerprint and pool per object: updates that leave the fingerprint alone
   * wake nobody; an object that leaves a pool (a paused sandbox detached from it) wakes that pool too.
   */
  private readonly seen = new Map<string, { fingerprint: string; pool: string | undefined }>();

  constructor(private readonly opts: PoolSignalerOptions) {
    const { informers } = opts;
    this.clock = opts.clock ?? systemClock;
    this.follow('Pool', informers.pools, (pool) => pool.metadata?.name, poolFingerprint);
    this.follow('Pod', informers.pods, (pod) => pod.metadata?.labels?.[LABELS.poolName], podFingerprint);
    this.follow('BatchSandbox', informers.batchSandboxes, pooledPoolRef, sandboxFingerprint);
  }

  private follow<T extends KubernetesObject>(
    kind: string,
    informer: Pick<ResourceInformer<T>, 'on'>,
    poolOf: (obj: T) => string | undefined,
    fingerprint: (obj: T) => string,
  ): void {
    // Not obj.kind: a list's items carry none (only watch events do), so the listed and the watched
    // object would be two entries, the listed one never forgotten.
    const key = (obj: T) => `${kind}/${obj.metadata?.namespace}/${obj.metadata?.name}/${obj.metadata?.uid}`;
    informer.on('add', (obj) => {
      const pool = poolOf(obj);
      this.seen.set(key(obj), { fingerprint: fingerprint(obj), pool });
      this.poolChanged(obj.metadata?.namespace, pool);
    });
    informer.on('update', (obj) => {
      const next = { fingerprint: fingerprint(obj), pool: poolOf(obj) };
      const last = this.seen.get(key(obj));
      if (last?.fingerprint === next.fingerprint) return;
      this.seen.set(key(obj), next);
      if (last?.pool !== undefined && last.pool !== next.pool) this.poolChanged(obj.metadata?.namespace, last.pool);
      this.poolChanged(obj.metadata?.namespace, next.pool);
    });
    informer.on('delete', (obj) => {
      this.seen.delete(key(obj));
      this.poolChanged(obj.metadata?.namespace, poolOf(obj));
    });
  }

  /** Signals (and if needed starts) the workflow of one pool; coalesces bursts. */
  poolChanged(namespace: string | undefined, pool: string | undefined): void {
    if (!namespace || !pool) return;
    const key = `${namespace}/${pool}`;
    // Backing off after a failure: the retry carries this change too.
    if (this.retryDelay.has(key) && this.recheck.has(key)) {
      this.pending.add(key);
      return;
    }
    const sending = this.inFlight.get(key) ?? new Set<SignalInFlight>();
    const now = this.clock.now().getTime();
    const last = this.lastSent.get(key) ?? -Infinity;
    if (sending.size >= MAX_SIGNALS_IN_FLIGHT || now - last < SIGNAL_INTERVAL_MS) {
      this.pending.add(key);
      if (sending.size < MAX_SIGNALS_IN_FLIGHT) this.recheckAt(key, last + SIGNAL_INTERVAL_MS - now, namespace, pool);
      return;
    }
    this.pending.delete(key);
    this.forgetQuietPools(now);
    this.lastSent.set(key, now);
    const signal: SignalInFlight = { done: Promise.resolve() };
    signal.done = this.signal(namespace, pool).then((delivered) => {
      sending.delete(signal);
      if (sending.size === 0) this.inFlight.delete(key);
      if (!delivered) return this.retryLater(key, namespace, pool);
      this.retryDelay.delete(key);
      if (this.pending.has(key)) this.poolChanged(namespace, pool);
    });
    sending.add(signal);
    this.inFlight.set(key, sending);
  }

  /** Signals every Pool the informer holds, changed or not (see the top of this file). */
  wakeAll(): void {
    for (const pool of this.opts.informers.pools.list()) this.poolChanged(pool.metadata?.namespace, pool.metadata?.name);
  }

  /** Pools the signaler keeps any state for. */
  get poolsTracked(): number {
    return new Set([...this.lastSent.keys(), ...this.inFlight.keys(), ...this.pending, ...this.recheck.keys(), ...this.retryDelay.keys()]).size;
  }

  private forgetQuietPools(now: number): void {
    if (this.lastSent.size < this.sweepAt) return;
    for (const [key, at] of this.lastSent) {
      if (now - at >= SIGNAL_INTERVAL_MS) this.lastSent.delete(key);
    }
    this.sweepAt = Math.max(FIRST_SWEEP_AT, this.lastSent.size * 2);
  }

  /** Resolves when no signal is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    for (const cancel of this.recheck.values()) cancel();
    this.recheck.clear();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].flatMap((sending) => [...sending].map((s) => s.done)));
  }

  private recheckAt(key: string, delayMs: number, namespace: string, pool: string): void {
    if (this.recheck.has(key)) return;
    const cancel = this.clock.schedule(
      () => {
        this.recheck.delete(key);
        if (this.pending.has(key)) this.poolChanged(namespace, pool);
      },
      Math.max(1, delayMs),
    );
    this.recheck.set(key, cancel);
  }

  /** After a failed signal: send one again once the (growing) retry delay has passed. */
  private retryLater(key: string, namespace: string, pool: string): void {
    const delay = this.retryDelay.get(key) ?? RETRY_FIRST_MS;
    this.retryDelay.set(key, Math.min(delay * 2, RETRY_MAX_MS));
    this.pending.add(key);
    this.recheckAt(key, delay, namespace, pool);
  }

  /** Whether the signal got through. */
  private async signal(namespace: string, pool: string): Promise<boolean> {
    const { client, taskQueue, log } = this.opts;
    const started = performance.now();
    try {
      await client.workflow.signalWithStart<typeof poolWorkflow, []>('poolWorkflow', {
        workflowId: poolWorkflowId(namespace, pool),
        taskQueue,
        args: [{ namespace, pool }],
        workflowTaskTimeout: POOL_WORKFLOW_TASK_TIMEOUT,
        signal: poolChangedSignal,
        signalArgs: [],
        typedSearchAttributes: [
          { key: NAMESPACE_ATTRIBUTE, value: namespace },
          { key: POOL_ATTRIBUTE, value: pool },
          { key: OPERATION_ATTRIBUTE, value: POOL_WORKFLOW_OPERATION },
        ],
      });
      log.debug({ kind: 'Pool', namespace, name: pool, ms: performance.now() - started }, 'Signalled the pool workflow');
      return true;
    } catch (err) {
      log.warn({ err, kind: 'Pool', namespace, name: pool }, 'Could not signal the pool workflow; trying again');
      return false;
    }
  }
}

/** The pool a BatchSandbox is served by, when the pool workflow owns its allocation. */
function pooledPoolRef(bs: KubernetesObject): string | undefined {
  const spec = (bs as { spec?: { poolRef?: string; template?: unknown } }).spec;
  return spec && namesPool(spec.poolRef) && spec.template === undefined ? spec.poolRef : undefined;
}

// What the pool workflow plans with, per kind. Everything else (status written by the operator itself,
// the sandbox label it puts on allocated pods, ...) changes nothing for the pool.
function poolFingerprint(pool: KubernetesObject): string {
  const { generation, deletionTimestamp, labels, annotations } = pool.metadata ?? {};
  return JSON.stringify([generation, Boolean(deletionTimestamp), labels?.[LABELS.evictionHandler], annotations?.[ANNOTATIONS.restartConfig]]);
}

function podFingerprint(pod: V1Pod): string {
  const labels = pod.metadata?.labels ?? {};
  // The Restart recycle waits for new container IDs of running containers (restart counts go along),
  // and reads its own record back.
  const containers = (pod.status?.containerStatuses ?? []).map((c) => [c.name, c.state?.running ? (c.containerID ?? '') : null, c.restartCount]);
  return JSON.stringify([
    containers,
    pod.metadata?.annotations?.[ANNOTATIONS.restartRecord],
    isReady(pod),
    isTerminating(pod),
    pod.status?.phase,
    pod.status?.podIP,
    failingReason(pod),
    labels[LABELS.poolRevision],
    LABELS.evict in labels,
  ]);
}

function sandboxFingerprint(bs: KubernetesObject): string {
  const { spec } = bs as { spec?: { poolRef?: string; replicas?: number; template?: unknown } };
  const { deletionTimestamp, annotations, finalizers } = bs.metadata ?? {};
  return JSON.stringify([
    spec?.poolRef,
    spec?.template === undefined,
    spec?.replicas,
    Boolean(deletionTimestamp),
    annotations?.[ANNOTATIONS.allocRelease],
    // A deleting sandbox's pods go back once its tasks are stopped (planAllocation, spec §10 R3).
    (finalizers ?? []).includes(FINALIZERS.taskCleanup),
  ]);
}
