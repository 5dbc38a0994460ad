import { describe, expect, it } from '@jest/globals';
import { peakResidentMb, residentMb } from '../../bench/resident-memory.js';

describe('residentMb / peakResidentMb', () => {
  it('read this process’s resident set and its high-water mark, which is never below it', () => {
    const held = Buffer.alloc(64 * 1024 * 1024, 1);
    const now = residentMb(process.pid);
    const peak = peakResidentMb(process.pid);
    expect(now).toBeGreaterThanOrEqual(64);
    expect(peak).toBeGreaterThanOrEqual(now);
    expect(held[held.length - 1]).toBe(1);
  });
});
