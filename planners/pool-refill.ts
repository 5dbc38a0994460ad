// When a pool refills its idle buffer after handing pods out. Refilling during a burst of deliveries puts
// about four apiserver writes per new pod (create, binding, status, the scheduler's Event) beside the
// burst's two per sandbox: in the 1,000-sandbox benchmark the pools created 1,300-3,400 pods while they
// delivered, more writes than the deliveries themselves. So a refill waits until deliveries have paused
// for REFILL_SETTLE_MS, and at most REFILL_MAX_DEFER_MS, so a steady stream still gets its buffer back.
// Demand the pool cannot serve (a shortfall) and rollouts are never held back: those pods are owed now.

/** Deliveries must pause this long before the buffer is refilled. */
export const REFILL_SETTLE_MS = 1_000;
/** A refill is held back at most this long, however steadily deliveries come. */
export const REFILL_MAX_DEFER_MS = 5_000;

export interface RefillTiming {
  /** Workflow time (ms) of the last round that handed pods out. */
  lastDeliveryAt?: number | undefined;
  /** Workflow time (ms) since when a refill has been held back, if one is. */
  deferredSince?: number | undefined;
}

/** How long a buffer refill is still held back at `now` (ms), or undefined when it may go ahead. */
export function refillHeldBackFor({ lastDeliveryAt, deferredSince }: RefillTiming, now: number): number | undefined {
  if (lastDeliveryAt === undefined) return undefined;
  const settleLeft = lastDeliveryAt + REFILL_SETTLE_MS - now;
  if (settleLeft <= 0) return undefined;
  const deferLeft = (deferredSince ?? now) + REFILL_MAX_DEFER_MS - now;
  if (deferLeft <= 0) return undefined;
  return Math.min(settleLeft, deferLeft);
}
