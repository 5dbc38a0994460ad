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

/** Whether `sandboxes` served within one step (or one round) start a hold. */
export function startsRefillHold(sandboxes: number): boolean {
  return sandboxes >= REFILL_HOLD_BURST;
}
