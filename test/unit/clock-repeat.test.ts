// repeat (kernel/clock.ts): a callback every interval on an injected clock, until cancelled.
import { describe, expect, it } from '@jest/globals';
import { repeat } from '../../kernel/clock.js';
import { FakeClock } from '../support/fake-clock.js';

describe('repeat', () => {
  it('calls back once every interval, each counted from the last call, and never after it is cancelled', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const cancel = repeat(clock, 1_000, () => calls++);
    await clock.advance(999);
    expect(calls).toBe(0);
    await clock.advance(1);
    expect(calls).toBe(1);
    await clock.advance(2_000);
    expect(calls).toBe(3);
    expect(clock.pendingDelays()).toEqual([1_000]);
    cancel();
    await clock.advance(5_000);
    expect(calls).toBe(3);
    expect(clock.pendingDelays()).toEqual([]);
  });
});
