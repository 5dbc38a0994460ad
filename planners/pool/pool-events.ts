// The Kubernetes Events a pool round leads to, planned here and recorded by an activity after the
// actions they describe have succeeded (`kubectl describe pool/batchsandbox` answers "what happened?").
// Per-pod events only where upstream has them (PodEvicted); bulk actions get one event per round, so a
// 1000-pod pool does not write 1000 Events.
import { API_VERSION, POOL } from '../../api/v1alpha1/group.js';
import type { Pool } from '../../api/v1alpha1/pool.js';
import type { InvolvedObject } from '../../kernel/events.js';
import type { Delivery } from './allocation.js';
import type { SandboxView } from './pool-observation.js';
import type { PoolRoundPlan } from './pool-round.js';
import type { LedgerDrift } from './ledger-audit.js';
import { sandboxSubject, type PlannedEvent } from '../kube/planned-event.js';

export const POOL_EVENT_REASONS = {
  Allocated: 'Allocated',
  Shortfall: 'Shortfall',
  PoolExhausted: 'PoolExhausted',
  SuccessfulCreate: 'SuccessfulCreate',
  SuccessfulDelete: 'SuccessfulDelete',
  PodEvicted: 'PodEvicted',
  Recycled: 'Recycled',
  InvalidEvictionHandler: 'InvalidEvictionHandler',
  LedgerDrift: 'LedgerDrift',
  UpkeepRejected: 'UpkeepRejected',
} as const;

const LISTED_NAMES = 10;

/** "a, b, c" or "a, b, ... and 7 more": events stay short whatever the batch size. */
export function nameList(names: readonly string[]): string {
  const shown = names.slice(0, LISTED_NAMES).join(', ');
  return names.length > LISTED_NAMES ? `${shown} and ${names.length - LISTED_NAMES} more` : shown;
}

function poolObject(pool: Pool): InvolvedObject {
  const { name, namespace, uid } = pool.metadata;
  return { apiVersion: API_VERSION, kind: POOL.kind, metadata: { name, namespace, uid } };
}

/** One Normal event on each sandbox that got new pods. */
export function allocationEvents(pool: Pool, deliveries: readonly Delivery[], sandboxes: readonly SandboxView[]): PlannedEvent[] {
  const byName = new Map(sandboxes.map((s) => [s.name, s]));
  return deliveries.flatMap((d) => {
    const sandbox = byName.get(d.sandbox);
    if (!sandbox || d.newPods.length === 0) return [];
    return [
      {
        object: sandboxSubject({ namespace: pool.metadata.namespace ?? '', name: sandbox.name, uid: sandbox.uid }),
        type: 'Normal' as const,
        reason: POOL_EVENT_REASONS.Allocated,
        message: `Allocated ${d.newPods.length} pod(s) from Pool ${pool.metadata.name}: ${nameList(d.newPods)}`,
      },
    ];
  });
}

/**
 * When the pool starts falling short: Normal while it can still grow (pods are warming), Warning once it
 * is at poolMax and sandboxes wait for releases. Only on the transition, not every round it lasts.
 */
export function shortfallEvent(pool: Pool, previous: number, shortfall: number, total: number): PlannedEvent[] {
  if (shortfall === 0 || previous > 0) return [];
  const poolMax = pool.spec.capacitySpec.poolMax;
  const exhausted = total >= poolMax;
  return [
    {
      object: poolObject(pool),
      type: exhausted ? 'Warning' : 'Normal',
      reason: exhausted ? POOL_EVENT_REASONS.PoolExhausted : POOL_EVENT_REASONS.Shortfall,
      message: exhausted
        ? `${shortfall} pod(s) short and the pool is at poolMax (${poolMax}): sandboxes wait for pods to be released`
        : `${shortfall} pod(s) short: warming more (poolMax ${poolMax}); sandboxes are completed as pods become ready`,
    },
  ];
}

/** Events for the upkeep part of a round, once it has been carried out. */
export function upkeepEvents(pool: Pool, round: PoolRoundPlan): PlannedEvent[] {
  const object = poolObject(pool);
  const strategy = pool.spec.recycleStrategy?.type ?? 'Delete';
  const deletedOnRelease = new Set(round.release.deletePods);
  const events: PlannedEvent[] = [
    ...round.warnings.map((message) => ({ object, type: 'Warning' as const, reason: POOL_EVENT_REASONS.InvalidEvictionHandler, message })),
    ...round.evict.map((pod) => ({ object, type: 'Normal' as const, reason: POOL_EVENT_REASONS.PodEvicted, message: `Evicted idle pod: ${pod}` })),
    ...round.release.records
      .filter((r) => r.pods.length > 0)
      .map((r) => {
        const deleted = r.pods.filter((p) => deletedOnRelease.has(p));
        const outcome = deleted.length > 0 ? `deleted ${nameList(deleted)}` : 'back in the pool';
        return {
          object,
          type: 'Normal' as const,
          reason: POOL_EVENT_REASONS.Recycled,
          message: `Recycled ${r.pods.length} pod(s) released by BatchSandbox ${r.sandbox} (strategy ${strategy}): ${outcome}`,
        };
      }),
  ];
  if (round.scale.create.length > 0) {
    const message = `Created ${round.scale.create.length} pool pod(s): ${nameList(round.scale.create)}`;
    events.push({ object, type: 'Normal', reason: POOL_EVENT_REASONS.SuccessfulCreate, message });
  }
  if (round.scale.deletePods.length > 0) {
    const message = `Deleted ${round.scale.deletePods.length} idle pool pod(s) (template rollout or scale-down): ${nameList(round.scale.deletePods)}`;
    events.push({ object, type: 'Normal', reason: POOL_EVENT_REASONS.SuccessfulDelete, message });
  }
  return events;
}

/** An upkeep step the apiserver refused for good: it is planned again at the pool's next change or resync. */
export function upkeepRejectedEvent(pool: Pool, step: string, message: string): PlannedEvent[] {
  return [
    {
      object: poolObject(pool),
      type: 'Warning',
      reason: POOL_EVENT_REASONS.UpkeepRejected,
      message: `The apiserver refused ${step}: ${message}; tried again at the next change or resync`,
    },
  ];
}

/** One Warning on the Pool per audit that found drift. */
export function driftEvent(pool: Pool, drift: readonly LedgerDrift[]): PlannedEvent[] {
  if (drift.length === 0) return [];
  const describe = (d: LedgerDrift) =>
    d.kind === 'untracked' ? `${d.pod} (claimed by ${d.claimedBy}, adopted)` : `${d.pod} (claimed by ${d.claimedBy}, ledger owner ${d.ledgerOwner})`;
  return [
    {
      object: poolObject(pool),
      type: 'Warning',
      reason: POOL_EVENT_REASONS.LedgerDrift,
      message: `Allocation annotations disagree with the pool ledger for ${drift.length} pod(s): ${nameList(drift.map(describe))}`,
    },
  ];
}
