// A manual clock for unit tests: time moves only when the test calls advance(), which runs the due
// callbacks in deadline order (callbacks scheduled while advancing run too if they fall due).
import type { Clock } from '../../kernel/clock.js';

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = '2026-01-01T00:00:00Z') {
    this.nowMs = Date.parse(start);
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  schedule(callback: () => void, ms: number): () => void {
    const entry = { at: this.nowMs + Math.max(ms, 0), seq: this.seq++, callback };
    this.pending.push(entry);
    return () => {
      this.pending = this.pending.filter((p) => p !== entry);
    };
  }

  /** Moves time forward by `ms`, firing due callbacks; awaits microtasks between them. */
  async advance(ms: number): Promise<void> {
    const until = this.nowMs + ms;
    for (;;) {
      await settle();
      const next = this.pending.filter((p) => p.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.nowMs = next.at;
      next.callback();
    }
    this.nowMs = until;
    await settle();
  }

  /** Delays of the callbacks still waiting, from now. */
  pendingDelays(): number[] {
    return this.pending.map((p) => p.at - this.nowMs).sort((a, b) => a - b);
  }
}

/** Lets promise chains started by callbacks run to their next real wait. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
