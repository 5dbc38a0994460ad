// Allocation planning for one pool round: which idle pods each pooled BatchSandbox gets, which pods go
// back, and how much demand the pool could not serve. Pure and deterministic: it runs inside the pool
// workflow, whose ledger (pod -> sandbox) is the single source of truth for ownership.
import { FINALIZERS } from '../../api/v1alpha1/contract.js';
import { isTerminatingPod, type PodDigest, type SandboxView } from './pool-observation.js';

/** pod name -> sandbox name, for every pod of the pool that is not idle. */
export type Ledger = Record<string, string>;

export interface Delivery {
  sandbox: string;
  /** The full alloc-status list to write: what the annotation holds, then the pods not yet in it. */
  allocStatus: string[];
  /** Pods newly taken from the idle buffer this round. */
  newPods: string[];
}

export interface Release {
  sandbox: string;
  pods: string[];
  /** The sandbox is gone or being deleted: once released, nothing more is owed to it. */
  final: boolean;
}

export interface AllocationPlan {
  /** The ledger after this round's allocations (releases are applied when they complete). */
  ledger: Ledger;
  deliveries: Delivery[];
  releases: Release[];
  /** Pods still owed to sandboxes after this round (the pool is short by this many). */
  shortfall: number;
  /** Sandboxes skipped because an allocation annotation is malformed, with the reason. */
  malformed: { sandbox: string; reason: string }[];
}

export interface AllocationInput {
  ledger: Ledger;
  /** Pool pods in list order: idle ones are handed out in this order. */
  pods: readonly PodDigest[];
  sandboxes: SandboxView[];
  /** Whether an idle pod may be handed out (planners/pool/pool-eviction.ts isAllocatable). */
  allocatable: (pod: PodDigest) => boolean;
  /** Sandboxes this workflow delivered whose status the observation may not show yet (overlayLandedWrites). */
  delivered?: ReadonlySet<string>;
}

export function planAllocation({ ledger, pods, sandboxes, allocatable, delivered = new Set() }: AllocationInput): AllocationPlan {
  // A delivery can land and still be missing from the ledger: its worker died before the round's
  // results were recorded, and the round that replaced it planned afresh. Pods a sandbox holds in the
  // cluster are therefore never idle; where the two disagree, the ledger wins.
  const next: Ledger = { ...ledgerFromSandboxes(sandboxes, pods), ...ledger };
  const podsOf = new Map<string, string[]>();
  for (const [pod, sandbox] of Object.entries(next)) podsOf.set(sandbox, [...(podsOf.get(sandbox) ?? []), pod]);

  const malformed = sandboxes.filter((s) => s.malformed).map((s) => ({ sandbox: s.name, reason: s.malformed! }));
  const live = sandboxes.filter((s) => !s.malformed);
  const releases: Release[] = [];

  // Sandboxes that are deleting, or that the ledger knows but the cluster no longer lists, give
  // everything back. A malformed sandbox keeps its pods: we cannot tell what it holds.
  const listed = new Set(sandboxes.map((s) => s.name));
  for (const [sandbox, held] of podsOf) {
    if (!listed.has(sandbox)) releases.push({ sandbox, pods: [...held].sort(), final: true });
  }
  // A deleting sandbox with tasks keeps its pods until its tasks are stopped (their releases come through
  // alloc-release meanwhile): a pod recycled earlier could go to another sandbox while the old task
  // still runs on it (upstream releases at once, spec §10 R3).
  const awaitingTaskCleanup = (s: SandboxView) => s.deleting && s.finalizers.includes(FINALIZERS.taskCleanup);
  for (const s of live.filter((s) => s.deleting && !awaitingTaskCleanup(s))) {
    // Only what the ledger gives it: an annotation naming another sandbox's pod, or a pod outside the
    // pool, must not get that pod recycled or deleted (issue 13).
    const held = union(
      podsOf.get(s.name) ?? [],
      without(s.allocated, s.released).filter((p) => next[p] === s.name),
    );
    if (held.length > 0 || s.hasAllocationFinalizer) releases.push({ sandbox: s.name, pods: held, final: true });
  }
  // Requested releases of running sandboxes (and of deleting ones whose tasks are being stopped).
  for (const s of live.filter((s) => !s.deleting || awaitingTaskCleanup(s))) {
    const requested = without(s.releaseRequested, s.released).filter((p) => s.allocated.includes(p) && next[p] === s.name);
    if (requested.length > 0) releases.push({ sandbox: s.name, pods: requested, final: false });
  }

  const taken = new Set(Object.keys(next));
  const idle = pods.filter((p) => allocatable(p) && !taken.has(p.name));
  // Terminating counts as gone: an allocated pod that is not being released is only ever deleted from
  // outside, e.g. with its Pool, and it will not serve again.
  const present = new Set(pods.filter((p) => !isTerminatingPod(p)).map((p) => p.name));
  let cursor = 0;
  let shortfall = 0;
  const deliveries: Delivery[] = [];
  const demand = live.filter((s) => !s.deleting).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  for (const s of demand) {
    // Pods the ledger gave this sandbox but its annotation does not show yet (a delivery that did not
    // land) are delivered again, never replaced: that is what prevents handing out a second set. Only
    // as many as it still lacks, though: if its annotation filled up meanwhile (a delivery refused as
    // stale), the rest go back to the pool.
    const notShown = (podsOf.get(s.name) ?? []).filter((p) => !s.allocated.includes(p)).sort();
    const undelivered = notShown.slice(0, Math.max(s.replicas - s.allocated.length, 0));
    for (const pod of notShown.slice(undelivered.length)) delete next[pod];
    const current = [...s.allocated, ...undelivered];
    // Pods it held that no longer exist or are going (deleted, or with a deleted Pool it now finds
    // recreated) serve nothing: it is owed others. Released pods still count (upstream: a released pod is not replaced).
    // Not those on their way back to the pool: a released pod is deleted (Delete recycle) before its
    // release is recorded.
    const lost = s.allocated.filter((p) => !present.has(p) && !s.released.includes(p) && !s.releaseRequested.includes(p));
    for (const pod of lost) if (next[pod] === s.name) delete next[pod];
    const need = Math.max(s.replicas - current.length + lost.length, 0);
    const newPods = idle.slice(cursor, cursor + need).map((p) => p.name);
    cursor += newPods.length;
    shortfall += need - newPods.length;
    for (const pod of newPods) next[pod] = s.name;
    // Pods but no status: the round that delivered them died between its two writes (annotation, then
    // status), and only a delivery writes the first status. Deliver the same pods again.
    const statusMissing = s.allocated.length > 0 && s.status?.phase === undefined && !delivered.has(s.name);
    if (newPods.length > 0 || undelivered.length > 0 || statusMissing) {
      deliveries.push({ sandbox: s.name, allocStatus: [...current, ...newPods], newPods });
    }
  }
  return { ledger: next, deliveries, releases, shortfall, malformed };
}

/**
 * Rebuilds a ledger from the cluster alone: alloc-status minus alloc-released of every pooled sandbox,
 * for the pool's own pods. A pod two annotations claim (one of them edited by hand) goes to the sandbox
 * its allocation label names, else to the oldest claimant: a newer annotation cannot take it over.
 */
export function ledgerFromSandboxes(sandboxes: SandboxView[], poolPods: readonly PodDigest[]): Ledger {
  const labelled = new Map(poolPods.map((pod) => [pod.name, pod.sandbox] as const));
  const ledger: Ledger = {};
  const oldestFirst = [...sandboxes].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  for (const s of oldestFirst) {
    if (s.malformed) continue;
    for (const pod of without(s.allocated, s.released)) {
      if (!labelled.has(pod)) continue;
      const owner = ledger[pod];
      if (owner === undefined || (owner !== labelled.get(pod) && labelled.get(pod) === s.name)) ledger[pod] = s.name;
    }
  }
  return ledger;
}

function without(list: string[], remove: string[]): string[] {
  const drop = new Set(remove);
  return list.filter((x) => !drop.has(x));
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** Annotation writes the pool workflow knows have landed, per sandbox. */
export interface LandedWrites {
  allocStatus: Record<string, string[]>;
  released: Record<string, string[]>;
}

/**
 * Overlays writes that are known to have landed on views that may predate them (an informer cache lags
 * the API by a few milliseconds): without it, a round right after a delivery would deliver again.
 * Returns the overlaid views and the writes still not visible in them; a delivery stays pending until
 * its status shows too (planAllocation's `delivered`).
 */
export function overlayLandedWrites(sandboxes: SandboxView[], landed: LandedWrites): { sandboxes: SandboxView[]; stillPending: LandedWrites } {
  const stillPending: LandedWrites = { allocStatus: {}, released: {} };
  const overlaid = sandboxes.map((s) => {
    const allocStatus = landed.allocStatus[s.name] ?? [];
    const released = landed.released[s.name] ?? [];
    const missingAllocated = allocStatus.filter((p) => !s.allocated.includes(p));
    const missingReleased = released.filter((p) => !s.released.includes(p));
    if (missingAllocated.length > 0 || (allocStatus.length > 0 && s.status?.phase === undefined)) {
      stillPending.allocStatus[s.name] = allocStatus;
    }
    if (missingReleased.length > 0) stillPending.released[s.name] = released;
    if (missingAllocated.length === 0 && missingReleased.length === 0) return s;
    return { ...s, allocated: [...s.allocated, ...missingAllocated], released: [...s.released, ...missingReleased] };
  });
  return { sandboxes: overlaid, stillPending };
}
