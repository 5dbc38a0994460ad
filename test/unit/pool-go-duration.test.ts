import { describe, expect, it } from '@jest/globals';
import { parsePositiveGoDuration } from '../../planners/kube/go-duration.js';

describe('parsePositiveGoDuration', () => {
  it.each<[string, number | undefined]>([
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['2h45m', 9_900_000],
    ['.5s', 500],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['2000000ns', 2],
    ['', undefined],
    ['30', undefined],
    ['0s', undefined],
    ['0', undefined],
    ['-5s', undefined],
    ['s', undefined],
    ['5 s', undefined],
    ['5d', undefined],
    ['30s ', undefined],
    ['soon', undefined],
  ])('%j => %p', (text, expected) => {
    expect(parsePositiveGoDuration(text)).toBe(expected);
  });
});
