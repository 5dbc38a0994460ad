import { describe, expect, it } from '@jest/globals';
import { OPERATOR_MEMORY_ENV, withOperatorMemoryEnv } from '../../kernel/process-memory.js';

describe('withOperatorMemoryEnv', () => {
  it('adds the malloc arena cap and the V8 young-generation size', () => {
    expect(withOperatorMemoryEnv({ LOG_LEVEL: 'warn' })).toEqual({
      LOG_LEVEL: 'warn',
      MALLOC_ARENA_MAX: '2',
      NODE_OPTIONS: OPERATOR_MEMORY_ENV.NODE_OPTIONS,
    });
  });

  it('keeps NODE_OPTIONS already set, after its own so that they win', () => {
    expect(withOperatorMemoryEnv({ NODE_OPTIONS: '--max-semi-space-size=16 --inspect' }).NODE_OPTIONS).toBe(
      `${OPERATOR_MEMORY_ENV.NODE_OPTIONS} --max-semi-space-size=16 --inspect`,
    );
  });

  it('keeps a MALLOC_ARENA_MAX already set', () => {
    expect(withOperatorMemoryEnv({ MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX).toBe('4');
  });
});
