// The pool entity workflow, one per Pool (id `pool/<namespace>/<name>`): the single writer of that
// pool's allocations across every operator replica. Watchers signal it when anything about the pool
// changes; each round observes the pool, plans (pure planners), and executes the plan:
//   deliver allocations -> release -> replenish or shrink -> pool status.
// The ledger (pod -> sandbox) lives in workflow state, so a pod cannot be handed out twice: the only
// code that hands pods out runs here, one round at a time.
import {
  condition,
  defineQuery,
  defineSignal,
  log,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ObservedPool, PoolActivities } from '../activities/pool-activities.js';
import { overlayLandedWrites, planAllocation, type LandedWrites, type Ledger } from '../planners/pool/allocation.js';
import { planDeliveries } from '../planners/pool/delivery-plan.js';
import type { PoolObservation } from '../planners/pool/pool-observation.js';
import { applyChanges, EMPTY_OBSERVATION, versionsOf } from '../planners/pool/pool-observation-changes.js';
import { evictionHandlerFor, isAllocatable } from '../planners/pool/pool-eviction.js';
import { POOL_POD_CREATE_REFUSED, type PoolCreateRefusal } from '../planners/pool/pool-create-refusal.js';
import { planPoolRound, upkeepNeeded, type PoolRoundPlan } from '../planners/pool/pool-round.js';
import {
  REFILL_MAX_HOLD_BEFORE_LONGER_HOLD_MS,
  REFILL_MAX_HOLD_MS,
  REFILL_SETTLE_MS,
  burstWaitsElsewhere,
  refillHoldGoesOn,
  startsRefillHold,
} from '../planners/pool/pool-refill.js';
import { carriedPodWrites, hasPodWrites, NO_POD_WRITES, overlayPodWrites, withPodWrites, type PodWritesInFlight } from '../planners/pool/pool-pod-writes.js';
import { lastWrittenStatusHolds, poolStatusChanged, type WrittenPoolStatus } from '../planners/pool/pool-status.js';
import { auditLedger } from '../planners/pool/ledger-audit.js';
import { allocationEvents, driftEvent, shortfallEvent, upkeepEvents, upkeepRejectedEvent } from '../planners/pool/pool-events.js';
import type { PlannedEvent } from '../planners/kube/planned-event.js';
import type { Pool } from '../api/v1alpha1/pool.js';
import { activityFailureOfType, apiRejectionOf } from './activity-failure.js';
import { continueAsNewGate, WAIT_FOR_QUIET_SECOND, type ContinueAsNewPolicy, type RunBaseline } from './continue-as-new.js';
import { BULK_RETRY, QUICK_LOCAL_ACTIVITY } from './activity-options.js';

export const poolChangedSignal = defineSignal('poolChanged');

export interface PoolProgress {
  step: string;
  rounds: number;
  allocatedPods: number;
  shortfall: number;
}
export const progressQuery = defineQuery<PoolProgress>('progress');

export interface PoolWorkflowInput {
  namespace: string;
  pool: string;
  /** Carried across continue-as-new; rebuilt from the cluster when absent. */
  ledger?: Ledger;
  /** Next ordinal for deterministic pool pod names. */
  nextOrdinal?: number;
  /**
   * The worker process that made the last observation of the previous run: a run that continues on it
   * observes from its cache at once instead of three API lists (see observePool).
   */
  observer?: string;
  /**
   * Pods the previous run created or deleted that its last observation did not show yet, and the Pool
   * object (UID) they were written for: without them the first rounds of this run, observing a cache that
   * has not caught up, would create those pods again.
   */
  podWrites?: { of: string; writes: PodWritesInFlight };
}

export const POOL_WORKFLOW_OPERATION = 'pool';

export function poolWorkflowId(namespace: string, pool: string): string {
  return `pool/${namespace}/${pool}`;
}

/** Without any signal, a round still runs this often (missed events, drift). */
const RESYNC_INTERVAL_MS = 30_000;
/** Bounds the history (at the first round after it without upkeep in flight); the ledger carries over. */
const MAX_ROUNDS_PER_RUN = 500;
/**
 * A task held by a replica that is killed is retried after this long: the pool's deliveries wait that long.
 * 10 s (the server's default) since 2026-12-05, 3 s before. Under a 1,000-sandbox burst on the 2-core
 * benchmark machine a round's deliveries (one local activity) take p50 1.7 s, p90 5.4 s, p99 8.6 s, and the
 * SDK's heartbeat that extends such a task (at 80% of the timeout) went through a starved server too late:
 * at 3 s 7.6-12.6% of the pool tasks timed out, pools went through streaks of 6-9 timeouts in a row
 * (each a replay and the round's deliveries made again: 193-636 refused patches a trial) and bursts took
 * 22-36 s; at 10 s the same trials took 13.8 and 16.4 s with no refused patch. What a killed replica costs
 * instead: its pools wait up to 10 s for their next task (the chaos run's stall; the 2 s sticky timeout
 * covers a replica that dies between tasks).
 */
export const POOL_WORKFLOW_TASK_TIMEOUT = '10 seconds';
/**
 * Runs from before incremental observations (patch `incremental-observation`) keep recording whole
 * observations and waiting for a quiet second with nothing in flight to continue as new. Later runs observe
 * only changes, are due at 64 KiB (a take-over replays ~250 events, not ~1,100 that took 3-5 s under
 * chaos), and once due start no new upkeep and continue after at most `patienceMs` without quiet, letting
 * labels and events in flight finish first (under steady churn some always were, so no run ever did).
 */
const INCREMENTAL_OBSERVATION_PATCH = 'incremental-observation';
const CONTINUE_AS_NEW: ContinueAsNewPolicy = { quietMs: 250, patienceMs: 2_000, softBytes: 64 * 1024 };
/**
 * Runs from patch `history-bound-by-pool-size` on are due 64 KiB past what their pool's first observation
 * takes (HISTORY_BYTES_PER_POD a pod, compressed): a large pool's first observation alone passes 64 KiB
 * (10,000 pods: 113-124 KB), and every run would be due as soon as it started. Counted from the pods, not
 * read from the history's size at some round: after a local activity that outlived its workflow task,
 * that size reads differently on replay.
 */
const HISTORY_BASELINE_PATCH = 'history-bound-by-pool-size';
const HISTORY_BYTES_PER_POD = 32;
/** Runs from this patch on hold a buffer refill back while deliveries go on (planners/pool/pool-refill.ts). */
const REFILL_AFTER_DELIVERIES_PATCH = 'refill-after-deliveries';
/** Runs from this patch on hold it up to REFILL_MAX_HOLD_MS, not 5 s (planners/pool/pool-refill.ts says why). */
const LONGER_REFILL_HOLD_PATCH = 'longer-refill-hold';
/** Runs from this patch on start the hold on the sandboxes served within one step, over any number of rounds, not by one round. */
const BURST_ACROSS_ROUNDS_PATCH = 'refill-hold-burst-across-rounds';
/**
 * Runs from this patch on keep a hold going while the namespace's other pools still have a burst of
 * sandboxes waiting, not only while their own deliveries go on (planners/pool/pool-refill.ts).
 */
const HOLD_WHILE_OTHER_POOLS_WAIT_PATCH = 'refill-hold-while-other-pools-wait';
/**
 * Runs from this patch on label the pods they hand out during a refill hold (a burst) once it ends, not at
 * once: the label is the operator's own (the server reads none; pause finds pods by alloc-status) and in a
 * 1,000-sandbox burst its 1,000 patches went to the apiserver beside the deliveries. Labels still held
 * when a run continues as new are written first.
 */
const LABELS_AFTER_BURST_PATCH = 'labels-after-burst';
/** Runs from this patch on count the pods they created or deleted before the cache shows it (planners/pool/pool-pod-writes.ts). */
const POD_WRITES_IN_FLIGHT_PATCH = 'pod-writes-in-flight';
/**
 * Runs from this patch on forget those writes when the Pool is deleted and created again under its name:
 * the old object's pods never show in the new one's observation, and its creates would count as the new
 * Pool's Pending pods for POD_WRITE_MEMORY_ROUNDS rounds, holding back the pods its sandboxes wait for.
 */
const POD_WRITES_PER_POOL_OBJECT_PATCH = 'pod-writes-per-pool-object';
/**
 * Runs from this patch on keep a write only when the Pool object it was made for is the one the run
 * observes when it lands: a Pool replaced while its create ran, and seen by a round meanwhile, never shows
 * that create's pods (the clearing above had nothing to clear then).
 */
const POD_WRITES_OF_THEIR_POOL_OBJECT_PATCH = 'pod-writes-of-their-pool-object';
/**
 * Runs from this patch on plan no upkeep in a round whose delivery was refused (stale) or found its sandbox
 * gone: the allocation it would plan from still counts those pods as handed out and those sandboxes as
 * served, so it created replacement pods the next round deleted again as surplus. The next round, at once,
 * plans both from a fresh observation.
 */
const REPLAN_AFTER_REFUSED_DELIVERY_PATCH = 'replan-after-refused-delivery';
/**
 * Runs from this patch on date an upkeep's status write and a refused create by the round that planned
 * them, not by the workflow task that brought their end. That task's clock reads differently on replay when
 * the end arrived while a local activity outlived its tasks (replay resolves both in one activation, at the
 * local activity's end), so a rule timed from it (the status settle, the create retry) could decide
 * otherwise: nondeterminism, a pool stuck replaying (seen 2026-12-05 with three operator processes).
 */
const UPKEEP_DATED_BY_ROUND_PATCH = 'upkeep-dated-by-round';

// Observation and delivery are on the hot path: local activities skip the task-queue round trip.
const hot = proxyLocalActivities<PoolActivities>(QUICK_LOCAL_ACTIVITY);
// Heartbeats (per pod written, and every second) let a retry start soon after the worker running one
// dies: upkeep held by a dead replica holds the pool's replenishment, and its sandboxes wait (15 s stalled
// pools in the chaos run; at a 5 s timeout a kill still held a refill 6-7 s). A single write (pool status)
// finishes well within the heartbeat timeout; the SDK sends heartbeats at most every 80% of it.
const bulk = proxyActivities<PoolActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '3 seconds',
  retry: BULK_RETRY,
});

export async function poolWorkflow(input: PoolWorkflowInput): Promise<void> {
  const { namespace, pool } = input;
  const incremental = patched(INCREMENTAL_OBSERVATION_PATCH);
  const baselineByPoolSize = patched(HISTORY_BASELINE_PATCH);
  const upkeepDatedByRound = patched(UPKEEP_DATED_BY_ROUND_PATCH);
  /** When an upkeep step planned at `plannedAt` ended, as far as rules timed from it are concerned. */
  const upkeepEndedAt = (plannedAt: number): number => (upkeepDatedByRound ? plannedAt : Date.now());
  const baseline: RunBaseline = { bytes: 0 };
  /** Deliveries hold a buffer refill back (planners/pool/pool-refill.ts). */
  const refill: RefillHold | undefined = patched(REFILL_AFTER_DELIVERIES_PATCH)
    ? {
        held: false,
        deliveredDuringStep: false,
        maxHoldMs: patched(LONGER_REFILL_HOLD_PATCH) ? REFILL_MAX_HOLD_MS : REFILL_MAX_HOLD_BEFORE_LONGER_HOLD_MS,
        burstAcrossRounds: patched(BURST_ACROSS_ROUNDS_PATCH),
        stepping: false,
        servedInStep: 0,
        whileOtherPoolsWait: patched(HOLD_WHILE_OTHER_POOLS_WAIT_PATCH),
        waitingInOtherPools: 0,
      }
    : undefined;
  const labelsAfterBurst = patched(LABELS_AFTER_BURST_PATCH);
  /** Pods handed out during a refill hold, labelled once it ends (LABELS_AFTER_BURST_PATCH). */
  let labelsHeld: PodAssignment[] = [];
  const overlaysPodWrites = patched(POD_WRITES_IN_FLIGHT_PATCH);
  /** Pods this run (or the one it continues) created or deleted; each round overlays those its observation does not show yet. */
  let podWrites: PodWritesInFlight = input.podWrites?.writes ?? NO_POD_WRITES;
  /** The Pool object (UID) whose pods podWrites are. */
  let podWritesOf: string | undefined = input.podWrites?.of;
  const writesKeepTheirPoolObject = patched(POD_WRITES_OF_THEIR_POOL_OBJECT_PATCH);
  const nextRun = continueAsNewGate(incremental ? CONTINUE_AS_NEW : WAIT_FOR_QUIET_SECOND, baseline);
  /** The last observation (incremental runs): each round asks only for what changed since. */
  let held: PoolObservation = EMPTY_OBSERVATION;
  let ledger: Ledger = input.ledger ?? {};
  // A run that starts without a ledger builds it from the cluster in its first round: that is not drift.
  let ledgerKnown = input.ledger !== undefined;
  // The worker process that made the last observation: a change means the workflow moved (see observePool).
  let observer: string | undefined = input.observer;
  let nextOrdinal = input.nextOrdinal ?? 0;
  let changed = true;
  let lastStatus: WrittenPoolStatus | undefined;
  /** Shortfall at the last planned round, so its event marks the start of a shortage, not every round of it. */
  let lastShortfall = 0;
  let lastRoundHistoryLength = -1;
  // Writes this run made that the (possibly cached) observation may not show yet.
  let landed: LandedWrites = { allocStatus: {}, released: {} };
  const progress: PoolProgress = { step: 'starting', rounds: 0, allocatedPods: 0, shortfall: 0 };
  let maintaining = false;
  /** Workflow time at which a restarting pod's retry interval, or held-back creation, runs out (a round must run then). */
  let recheckAt: number | undefined;
  /** The apiserver's last refusal of a pool pod, until a create goes through (planners/pool/pool-create-refusal.ts). */
  let createRefusal: PoolCreateRefusal | undefined;
  const inFlight = new Set<Promise<unknown>>();

  setHandler(poolChangedSignal, () => {
    changed = true;
  });
  setHandler(progressQuery, () => ({ ...progress, allocatedPods: Object.keys(ledger).length }));

  for (;;) {
    progress.step = 'waiting for changes';
    await condition(() => changed, untilNextRound(recheckAt));
    // Local activity results reach history when the workflow task completes; never run a second round
    // in the same task (whatever woke it: a signal, or upkeep finishing on a local activity), or their
    // results pile up into one oversized completion and the task outlives its timeout. (Rarely taken:
    // signals and upkeep results mostly arrive in new tasks. A timer costs up to a second on the server.)
    if (workflowInfo().historyLength === lastRoundHistoryLength) await sleep(1);
    lastRoundHistoryLength = workflowInfo().historyLength;
    changed = false;
    // Consumed: every round that plans upkeep sets it again (one that cannot, because upkeep is running,
    // is followed by one that can when the upkeep ends).
    recheckAt = undefined;
    progress.rounds++;

    progress.step = 'observing';
    const observed = incremental ? await observeChanges() : await settled(hot.observePool({ namespace, pool, previousObserver: observer }));
    observer = observed.observer;
    const overlay = overlayLandedWrites(observed.sandboxes, landed);
    landed = overlay.stillPending;
    const poolUid = observed.pool?.object.metadata.uid;
    if (poolUid !== undefined && poolUid !== podWritesOf) {
      if (podWritesOf !== undefined && hasPodWrites(podWrites) && patched(POD_WRITES_PER_POOL_OBJECT_PATCH)) podWrites = NO_POD_WRITES;
      podWritesOf = poolUid;
    }
    const pods = overlaysPodWrites
      ? overlayPodWrites(observed.pods, podWrites, observed.pool?.revision, progress.rounds)
      : { pods: observed.pods, stillPending: podWrites };
    podWrites = pods.stillPending;
    const observation = { ...observed, pods: pods.pods, sandboxes: overlay.sandboxes };
    if (baselineByPoolSize) baseline.bytes = observed.pods.length * HISTORY_BYTES_PER_POD;

    if (!observation.pool) {
      // The Pool is gone (its pods go with it, by garbage collection): let sandboxes that are being
      // deleted finish instead of waiting on a finalizer nobody will remove.
      progress.step = 'releasing sandboxes of a deleted pool';
      await Promise.all(inFlight);
      const plan = planAllocation({ ledger, pods: [], sandboxes: observation.sandboxes, allocatable: () => false });
      // Nothing to unlabel: the pods go with the Pool.
      await bulk.recordReleases({ namespace, releases: plan.releases.filter((r) => r.final).map((r) => ({ ...r, reused: [] })) });
      // A Pool created meanwhile signalled this run: ending now would lose that signal. Go round again,
      // with a ledger rebuilt for the new Pool object.
      if (changed) {
        ledger = {};
        ledgerKnown = false;
        continue;
      }
      return;
    }

    const { object: poolObject, revision } = observation.pool;
    lastStatus = lastWrittenStatusHolds(lastStatus, observation.pool.status, Date.now());
    if (refill?.whileOtherPoolsWait) refill.waitingInOtherPools = observation.waitingInOtherPools ?? 0;
    const audit = auditLedger(ledger, observation.sandboxes, observation.pods);
    ledger = audit.ledger;
    if (ledgerKnown && audit.drift.length > 0) {
      track(hot.recordLedgerDrift({ namespace, pool, drift: audit.drift }));
      track(hot.recordEvents({ events: driftEvent(poolObject, audit.drift) }));
    }
    ledgerKnown = true;
    const { handler } = evictionHandlerFor(poolObject);
    const allocation = planAllocation({
      ledger,
      pods: observation.pods,
      sandboxes: observation.sandboxes,
      allocatable: (pod) => isAllocatable(pod, revision, handler),
      delivered: new Set(Object.keys(landed.allocStatus)),
    });
    ledger = allocation.ledger;
    progress.shortfall = allocation.shortfall;

    /** Set when a delivery came back stale or gone: the round's allocation no longer holds. */
    let allocationOutdated = false;
    if (allocation.deliveries.length > 0) {
      progress.step = 'delivering';
      const result = await settled(hot.deliverAllocations({ namespace, pool, orders: planDeliveries(allocation, observation, namespace, new Date()) }));
      // Pods planned for sandboxes that vanished meanwhile go back to the pool, and so do the new pods of
      // deliveries refused as stale; the next round plans those sandboxes again from a fresh look.
      ledger = withoutSandboxes(ledger, result.gone);
      ledger = withoutPods(
        ledger,
        allocation.deliveries.filter((d) => result.stale.includes(d.sandbox)).flatMap((d) => d.newPods),
      );
      if (result.stale.length > 0) changed = true;
      if ((result.stale.length > 0 || result.gone.length > 0) && patched(REPLAN_AFTER_REFUSED_DELIVERY_PATCH)) {
        changed = true;
        allocationOutdated = true;
      }
      const delivered = allocation.deliveries.filter((d) => result.delivered.includes(d.sandbox));
      const served = delivered.filter((d) => d.newPods.length > 0).length;
      if (refill && served > 0) holdRefill(refill, served);
      for (const d of delivered) landed.allocStatus[d.sandbox] = d.allocStatus;
      const assignments = delivered.flatMap((d) => d.newPods.map((pod) => ({ pod, sandbox: d.sandbox })));
      // Off the delivery path: the sandbox is already served.
      if (labelsAfterBurst && refill?.held) labelsHeld.push(...assignments);
      else labelAllocatedPods(assignments, poolObject);
      const events = allocationEvents(poolObject, delivered, observation.sandboxes);
      if (events.length > 0) track(hot.recordEvents({ events }));
    }

    if (labelsHeld.length > 0 && !refill?.held) releaseHeldLabels(poolObject);

    // Slow upkeep (recycling, replenishing, status) runs beside later rounds, so demand that arrives
    // meanwhile is delivered at once; one upkeep at a time, planned from a fresh observation.
    const plannedAt = Date.now();
    const round =
      maintaining || allocationOutdated
        ? undefined
        : planPoolRound({
            observation: { ...observation, pool: observation.pool },
            allocation,
            nextOrdinal,
            now: new Date(plannedAt),
            createRefusal,
            refillHeld: refill?.held,
          });
    if (round) {
      const shortage = shortfallEvent(poolObject, lastShortfall, allocation.shortfall, round.status.total);
      lastShortfall = allocation.shortfall;
      if (shortage.length > 0) track(hot.recordEvents({ events: shortage }));
      // A pod waiting out its restart retry interval, or creation held back, needs a round then, even if
      // nothing else changes.
      const { recheckAfterMs } = round;
      recheckAt = recheckAfterMs === undefined ? undefined : plannedAt + recheckAfterMs;
    }
    // Only an upkeep that writes something runs, and a round follows it to see its effect: an idle pool
    // waits for the next change instead of re-planning back to back.
    if (round && upkeepNeeded(round, lastStatus?.status) && !(incremental && nextRun.due)) {
      nextOrdinal = round.nextOrdinal;
      maintaining = true;
      track(
        maintain(round, upkeepEvents(poolObject, round), poolObject, plannedAt).then(
          (accepted) => {
            maintaining = false;
            if (accepted) changed = true;
          },
          (err: unknown) => {
            maintaining = false;
            changed = true;
            throw err;
          },
        ),
      );
    }

    // Continue as new between upkeeps, as waiting for one to end would hold back the rounds (deliveries)
    // that arrive meanwhile, and in a quiet moment if one comes soon (workflows/continue-as-new.ts). A due
    // run starts no new upkeep (above), so its next run, not this one, plans the next.
    const ready = incremental ? !maintaining : inFlight.size === 0;
    if (await nextRun.now({ roundsDone: progress.rounds >= MAX_ROUNDS_PER_RUN, ready, changed: () => changed })) {
      if (labelsHeld.length > 0) releaseHeldLabels(poolObject);
      await Promise.all(inFlight);
      // From a workflow task of its own, which completes in milliseconds: a signal that arrives while the
      // continuing task runs makes the server reject it (UnhandledCommand), and the run is evicted and
      // replayed before it can try again. Continued from a round's task (its local activities take
      // 200 ms and more), a third of the continues were rejected and stalled the pool 2.8 s (p50).
      if (incremental) await sleep(1);
      await makeContinueAsNewFunc<typeof poolWorkflow>({ workflowTaskTimeout: POOL_WORKFLOW_TASK_TIMEOUT })({
        namespace,
        pool,
        ledger,
        nextOrdinal,
        ...(observer === undefined ? {} : { observer }),
        ...(podWritesOf !== undefined && hasPodWrites(podWrites)
          ? { podWrites: { of: podWritesOf, writes: carriedPodWrites(podWrites, progress.rounds) } }
          : {}),
      });
    }
  }

  /** The pool as observed now, recording only what changed since the last round in history. */
  async function observeChanges(): Promise<ObservedPool> {
    const { observer: by, ...changes } = await settled(hot.observePoolChanges({ namespace, pool, previousObserver: observer, known: versionsOf(held) }));
    held = applyChanges(held, changes);
    return { ...held, observer: by };
  }

  /**
   * Carries out the upkeep part of a round, then records its events. Returns false when the apiserver
   * refused a step for good: no round follows at once then (it would plan the same step again at once),
   * the next change or resync does.
   */
  async function maintain(round: PoolRoundPlan, events: PlannedEvent[], poolObject: Pool, plannedAt: number): Promise<boolean> {
    let accepted = true;
    const step = async (what: string, work: Promise<void>): Promise<boolean> => {
      const done = await unlessRejected(poolObject, what, work);
      accepted &&= done;
      return done;
    };
    for (const { pod, message } of round.release.restartFailures) {
      log.warn('Restart recycle gave up: deleting the pod instead', { kind: 'Pod', namespace, name: pod, pool, reason: message });
    }
    const releasedOrEvicted = [...round.release.deletePods, ...round.evict];
    // Each step is awaited right here: an extra async hop would reorder this run's commands against the
    // rounds running meanwhile, and histories recorded before would no longer replay.
    if (releasedOrEvicted.length > 0 && (await step('deleting released or evicted pods', bulk.deletePoolPods({ namespace, pool, names: releasedOrEvicted })))) {
      recordPodWrites('deleted', releasedOrEvicted, poolObject);
    }
    if (round.release.records.length > 0 && (await step('recording releases', bulk.recordReleases({ namespace, releases: round.release.records })))) {
      const released = round.release.records.flatMap((r) => r.pods);
      // A delta, not the planned ledger: rounds that ran meanwhile may have allocated other pods.
      ledger = withoutPods(ledger, released);
      for (const r of round.release.records) {
        landed.released[r.sandbox] = [...(landed.released[r.sandbox] ?? []), ...r.pods];
      }
    }
    if (round.scale.create.length > 0) await createPoolPods(round.scale.create, round.status.revision, poolObject, plannedAt);
    if (round.scale.deletePods.length > 0 && (await step('deleting surplus pods', bulk.deletePoolPods({ namespace, pool, names: round.scale.deletePods })))) {
      recordPodWrites('deleted', round.scale.deletePods, poolObject);
    }
    if (round.staleLabels.length > 0) await step('clearing stale allocation labels', bulk.clearStaleLabels({ namespace, labels: round.staleLabels }));
    if (
      poolStatusChanged(lastStatus?.status, round.status) &&
      (await step('writing the pool status', bulk.writePoolStatus({ namespace, pool, status: round.status })))
    ) {
      lastStatus = { status: round.status, at: upkeepEndedAt(plannedAt) };
    }
    // Last: an exec may take seconds, and replenishing the pool or its status need not wait for it.
    if (round.release.restart.length > 0) await bulk.restartPoolPods({ namespace, pool, attempts: round.release.restart });
    if (events.length > 0) track(hot.recordEvents({ events }));
    return accepted;
  }

  function labelAllocatedPods(assignments: PodAssignment[], poolObject: Pool): void {
    if (assignments.length > 0) track(unlessRejected(poolObject, 'labelling allocated pods', bulk.labelAllocatedPods({ namespace, assignments })));
  }

  /** Labels the pods held back during a hold that their sandboxes still hold. */
  function releaseHeldLabels(poolObject: Pool): void {
    const stillHeld = labelsHeld.filter(({ pod, sandbox }) => ledger[pod] === sandbox);
    labelsHeld = [];
    labelAllocatedPods(stillHeld, poolObject);
  }

  /** Whether `work` went through; a refusal for good is logged and said on the Pool, and left to a later round. */
  async function unlessRejected(poolObject: Pool, what: string, work: Promise<void>): Promise<boolean> {
    try {
      await work;
      return true;
    } catch (err) {
      const rejected = apiRejectionOf(err);
      if (!rejected) throw err;
      log.warn('Pool upkeep refused by the apiserver', { kind: 'Pool', namespace, name: pool, step: what, reason: rejected.message });
      track(hot.recordEvents({ events: upkeepRejectedEvent(poolObject, what, rejected.message) }));
      return false;
    }
  }

  /** Creates pool pods; a refusal for good is kept (creation waits, the status says it), not retried here. */
  async function createPoolPods(names: string[], revision: string, poolObject: Pool, plannedAt: number): Promise<void> {
    try {
      await bulk.createPoolPods({ namespace, pool, names });
      recordPodWrites('created', names, poolObject);
      createRefusal = undefined;
    } catch (err) {
      const refused = activityFailureOfType(err, POOL_POD_CREATE_REFUSED);
      if (!refused) throw err;
      createRefusal = { message: refused.message, revision, at: upkeepEndedAt(plannedAt) };
      log.warn('Pool pods refused by the apiserver; creation held back', { kind: 'Pool', namespace, name: pool, reason: refused.message });
    }
  }

  /** Remembers pods written for `poolObject` until the observation shows them (planners/pool/pool-pod-writes.ts). */
  function recordPodWrites(kind: keyof PodWritesInFlight, names: string[], poolObject: Pool): void {
    if (writesKeepTheirPoolObject && poolObject.metadata.uid !== podWritesOf) return;
    podWrites = withPodWrites(podWrites, kind, names, progress.rounds);
  }

  /**
   * After a burst, holds a buffer refill while deliveries go on, in timer steps; its end starts a round,
   * which refills. Not tracked: a run that continues as new meanwhile just starts without a hold.
   */
  function holdRefill(hold: RefillHold, served: number): void {
    if (!hold.burstAcrossRounds) {
      holdRefillAfterOneRound(hold, served);
      return;
    }
    hold.servedInStep += served;
    if (!hold.held && startsRefillHold(hold.servedInStep)) hold.held = true;
    if (hold.stepping) {
      hold.deliveredDuringStep = true;
      return;
    }
    // Steps run while deliveries come, held or not: a burst is what one step serves, over any number of
    // rounds (a pool whose rounds keep up with its sandboxes serves a few in each).
    hold.stepping = true;
    hold.deliveredDuringStep = false;
    void (async () => {
      let heldMs = 0;
      let goesOn: boolean;
      do {
        await sleep(REFILL_SETTLE_MS);
        if (hold.held) heldMs += REFILL_SETTLE_MS;
        const othersBusy = hold.held && hold.whileOtherPoolsWait && burstWaitsElsewhere(hold.waitingInOtherPools);
        goesOn = refillHoldGoesOn(hold.deliveredDuringStep || othersBusy, heldMs, hold.maxHoldMs);
        // Held for the other pools alone: a round looks at them again (this pool may have nothing to do).
        if (goesOn && !hold.deliveredDuringStep) changed = true;
        hold.deliveredDuringStep = false;
        hold.servedInStep = 0;
      } while (goesOn);
      hold.stepping = false;
      if (hold.held) {
        hold.held = false;
        changed = true;
      }
    })();
  }

  /** The hold of runs before BURST_ACROSS_ROUNDS_PATCH: started by a round that serves a burst on its own. */
  function holdRefillAfterOneRound(hold: RefillHold, served: number): void {
    hold.deliveredDuringStep = true;
    if (hold.held || !startsRefillHold(served)) return;
    hold.held = true;
    void (async () => {
      let heldMs = 0;
      do {
        hold.deliveredDuringStep = false;
        await sleep(REFILL_SETTLE_MS);
        heldMs += REFILL_SETTLE_MS;
      } while (refillHoldGoesOn(hold.deliveredDuringStep, heldMs, hold.maxHoldMs));
      hold.held = false;
      changed = true;
    })();
  }

  /**
   * A local activity's result, once everything else this workflow task resolved has run its course. A local
   * activity that outlives its workflow task (heartbeated) resolves in a later activation than the events
   * that arrived meanwhile (an upkeep's activity ending, say); on replay both can resolve in one activation,
   * where the local activity's continuation ran first and planned from state the original had already
   * updated (nondeterminism: a pool stuck replaying, seen in the 1,000-sandbox benchmark's deletion).
   * `condition` resolves only after the activation's microtasks have drained, in both.
   */
  async function settled<T>(result: Promise<T>): Promise<T> {
    const value = await result;
    // Not under a patch: runs recorded without it replay with it (test/histories), and runs stuck on this
    // nondeterminism replay past it (pool-workflow-heartbeated-delivery.json).
    await condition(() => true);
    return value;
  }

  function track(work: Promise<unknown>): void {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }
}

/** A pod handed to a sandbox, to be labelled with its name. */
interface PodAssignment {
  pod: string;
  sandbox: string;
}

/** A buffer refill held back by deliveries (planners/pool/pool-refill.ts). */
interface RefillHold {
  held: boolean;
  /** Whether a delivery came since the current step began. */
  deliveredDuringStep: boolean;
  /** The longest hold, however steadily deliveries come. */
  maxHoldMs: number;
  /** Whether a burst is counted over a step's rounds (BURST_ACROSS_ROUNDS_PATCH), not in one round. */
  burstAcrossRounds: boolean;
  /** Whether steps are running (burstAcrossRounds). */
  stepping: boolean;
  /** Sandboxes served since the current step began (burstAcrossRounds). */
  servedInStep: number;
  /** Whether a hold also goes on while other pools' sandboxes wait (HOLD_WHILE_OTHER_POOLS_WAIT_PATCH). */
  whileOtherPoolsWait: boolean;
  /** Sandboxes waiting in the namespace's other pools, as of the last observation (whileOtherPoolsWait). */
  waitingInOtherPools: number;
}

/** How long to wait for a signal before the next round: the resync interval, or less if a restart retry falls due sooner. */
function untilNextRound(recheckAt: number | undefined): number {
  if (recheckAt === undefined) return RESYNC_INTERVAL_MS;
  return Math.min(RESYNC_INTERVAL_MS, Math.max(1, recheckAt - Date.now()));
}

function withoutPods(ledger: Ledger, pods: string[]): Ledger {
  if (pods.length === 0) return ledger;
  const drop = new Set(pods);
  return Object.fromEntries(Object.entries(ledger).filter(([pod]) => !drop.has(pod)));
}

function withoutSandboxes(ledger: Ledger, gone: string[]): Ledger {
  if (gone.length === 0) return ledger;
  const drop = new Set(gone);
  return Object.fromEntries(Object.entries(ledger).filter(([, sandbox]) => !drop.has(sandbox)));
}
