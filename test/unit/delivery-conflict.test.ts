// What a delivery writes after its sandbox changed since the round observed it.
import { describe, expect, it } from '@jest/globals';
import { allocStatusAfterConflict } from '../../planners/pool/delivery-conflict.js';

describe('allocStatusAfterConflict', () => {
  it('keeps what alloc-status lists now and appends the planned pods it lacks', () => {
    // A label or finalizer write moved the version; the pods listed are a prefix of the plan's.
    expect(allocStatusAfterConflict(['p-0', 'p-1', 'p-2'], ['p-0'])).toEqual(['p-0', 'p-1', 'p-2']);
    // The same delivery landed already (a retry after a lost reply): nothing is added twice.
    expect(allocStatusAfterConflict(['p-0', 'p-1'], ['p-0', 'p-1'])).toEqual(['p-0', 'p-1']);
    expect(allocStatusAfterConflict(['p-0'], [])).toEqual(['p-0']);
  });

  it('is stale when alloc-status lists a pod the plan never saw (a round it did not see handed it out)', () => {
    expect(allocStatusAfterConflict(['p-0', 'p-1'], ['p-0', 'p-9'])).toBe('stale');
    expect(allocStatusAfterConflict([], ['p-9'])).toBe('stale');
  });
});
