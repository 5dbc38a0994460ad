import { describe, expect, it } from '@jest/globals';
import type { IntOrPercent } from '../../api/v1alpha1/int-or-percent.js';
import { scaledIntOrPercent } from '../../planners/kube/int-or-percent.js';

describe('scaledIntOrPercent', () => {
  it.each<[string, IntOrPercent | undefined, number, number]>([
    ['default 25% of 3 rounds 0.75 up', undefined, 3, 1],
    ['default 25% of 5 rounds 1.25 up', undefined, 5, 2],
    ['default 25% of 100', undefined, 100, 25],
    ['percent of an empty pool is at least 1', '25%', 0, 1],
    ['50% of 7 rounds 3.5 up', '50%', 7, 4],
    ['100% of 9', '100%', 9, 9],
    ['0% still lets one through', '0%', 9, 1],
    ['an integer is absolute', 4, 100, 4],
    ['an integer may exceed the total', 12, 3, 12],
    ['integer 0 becomes 1', 0, 10, 1],
  ])('%s', (_, value, total, expected) => {
    expect(scaledIntOrPercent(value, total)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['a numeric string', '5'],
    ['a percent above 100', '150%'],
    ['a fraction', 2.5],
    ['a negative integer', -3],
    ['garbage', 'lots'],
  ])('an invalid value (%s) becomes 1', (_, value) => {
    expect(scaledIntOrPercent(value as IntOrPercent, 100)).toBe(1);
  });

  it('uses the given default when the value is absent', () => {
    expect(scaledIntOrPercent(undefined, 10, '50%')).toBe(5);
    expect(scaledIntOrPercent(undefined, 10, 3)).toBe(3);
  });
});
