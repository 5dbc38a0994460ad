// When a pool refills its idle buffer after handing pods out. Refilling during a burst of deliveries puts
// about four apiserver writes per new pod (create, binding, status, the scheduler's Event) beside the
// burst's two per sandbox: in the 1,000-sandbox benchmark the pools created 1,300-3,400 pods while they
// delivered, more writes than the deliveries themselves. So after a burst (REFILL_HOLD_BURST sandboxes or
// more served within one step) a refill is held while deliveries go on: the hold is waited out in
// REFILL_SETTLE_MS steps (workflow timers, which replay exactly; a comparison of workflow clock readings
// after a local activity does not) until a step passes without a delivery, and at most REFILL_MAX_HOLD_MS,
// so a steady stream still gets its buffer back. That was 5 s until 2026-12-05: a 1,000-sandbox burst
// delivers for 10-30 s on the benchmark machine, and a refill that started mid-burst (861 pods created
// while delivering, in the slowest of three trials) made that trial 32.6 s against 14.6-14.8 s for the two
// that refilled 126 and 313 pods; a hold longer than the burst lets the burst finish first. A burst is
// counted over the step's rounds: until 2026-12-05 only a round serving REFILL_HOLD_BURST on its own
// started a hold, and a pool whose rounds kept up with its sandboxes (a few each) refilled all through the
// burst (850-948 pods in the slow trials). Demand the pool cannot serve (a shortfall) and rollouts are never
// held: those pods are owed now. A steady trickle never starts a hold: there the buffer is what serves the
// next sandbox at once (holding it doubled the chaos run's allocation p50; its pools serve 2-4 a second).
// A burst across many pools (1,000 sandboxes over 20): a pool served first ended its hold a step after its
// last delivery and refilled while the others still delivered (202-626 pods created mid-burst, 2026-12-05).
// Since then a pool that holds keeps holding while a burst still waits in the namespace's other pools
// (counted by each observation), a round a step looking at them again.

/** Sandboxes served within one step (one round, before 2026-12-05) that start a hold. */
export const REFILL_HOLD_BURST = 10;
/** One step of the hold: it ends after a step without deliveries. */
export const REFILL_SETTLE_MS = 1_000;
/** A refill is held at most this long, however steadily deliveries come. */
export const REFILL_MAX_HOLD_MS = 15_000;
/** The longest hold of pool workflow runs started before it was raised to REFILL_MAX_HOLD_MS (their replay). */
export const REFILL_MAX_HOLD_BEFORE_LONGER_HOLD_MS = 5_000;

/** Whether the hold goes on after a step: deliveries came during it and the hold has time left (of `maxHoldMs`). */
export function refillHoldGoesOn(deliveredDuringStep: boolean, heldMs: number, maxHoldMs: number): boolean {
  return deliveredDuringStep && heldMs < maxHoldMs;
}

/**
 * Whether the sandboxes still waiting in the namespace's other pools are a burst: a pool that held its
 * refill for a burst of its own keeps holding while they are served (up to REFILL_MAX_HOLD_MS), since its
 * creates would compete with their deliveries for the apiserver.
 */
export function burstWaitsElsewhere(waitingInOtherPools: number): boolean {
  return waitingInOtherPools >= REFILL_HOLD_BURST;
}

/** Whether `sandboxes` served within one step (or one round) start a hold. */
export function startsRefillHold(sandboxes: number): boolean {
  return sandboxes >= REFILL_HOLD_BURST;
}
