// Time as a dependency: decision code reads `now()` from here and timers go through `schedule()`, so
// tests drive both with a fake clock instead of waiting (anchors #10).

export interface Clock {
  now(): Date;
  /** Calls `callback` once after `ms`; the returned function cancels it. */
  schedule(callback: () => void, ms: number): () => void;
}

// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); callers re-arm after an early wake-up.
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => new Date(),
  schedule: (callback, ms) => {
    // unref: a pending timer (e.g. an expiry days away) must not keep the process alive.
    const timer = setTimeout(callback, Math.min(Math.max(ms, 0), MAX_TIMER_MS)).unref();
    return () => clearTimeout(timer);
  },
};

/** Calls `callback` every `ms` (each time `ms` after the last call) until the returned function is called. */
export function repeat(clock: Clock, ms: number, callback: () => void): () => void {
  let cancel = clock.schedule(tick, ms);
  let stopped = false;
  function tick(): void {
    if (stopped) return;
    callback();
    cancel = clock.schedule(tick, ms);
  }
  return () => {
    stopped = true;
    cancel();
  };
}
