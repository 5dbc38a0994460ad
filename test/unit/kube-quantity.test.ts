import { describe, expect, it } from '@jest/globals';
import { formatNanos, quantityNanos } from '../../planners/kube/kube-quantity.js';

const GI = 2n ** 30n;
const NANO = 10n ** 9n;

describe('quantityNanos', () => {
  it.each<[string | number, bigint]>([
    ['2', 2n * NANO],
    [2, 2n * NANO],
    [0.5, NANO / 2n],
    ['500m', NANO / 2n],
    ['0.5', NANO / 2n],
    ['.5', NANO / 2n],
    ['1.', NANO],
    ['+1', NANO],
    ['-1', -NANO],
    ['100n', 100n],
    ['3u', 3000n],
    ['1k', 1000n * NANO],
    ['1M', 10n ** 6n * NANO],
    ['1G', 10n ** 9n * NANO],
    ['1T', 10n ** 12n * NANO],
    ['1P', 10n ** 15n * NANO],
    ['1E', 10n ** 18n * NANO],
    ['1Ki', 1024n * NANO],
    ['512Mi', 512n * 2n ** 20n * NANO],
    ['1Gi', GI * NANO],
    ['1.5Gi', (3n * GI * NANO) / 2n],
    ['1Ti', 2n ** 40n * NANO],
    ['1Pi', 2n ** 50n * NANO],
    ['1Ei', 2n ** 60n * NANO],
    ['1e3', 1000n * NANO],
    ['1E3', 1000n * NANO],
    ['1e-3', NANO / 1000n],
    ['1e+3', 1000n * NANO],
    // Below a nano-unit the apiserver rounds up.
    ['0.1n', 1n],
    ['1e-12', 1n],
  ])('%p is %p nano-units', (quantity, nanos) => {
    expect(quantityNanos(quantity)).toBe(nanos);
  });

  it('orders quantities written in different units exactly', () => {
    expect(quantityNanos('1Gi') > quantityNanos('1G')).toBe(true);
    expect(quantityNanos('1024Mi')).toBe(quantityNanos('1Gi'));
    expect(quantityNanos('200m') < quantityNanos('0.2000001')).toBe(true);
  });

  it.each(['', 'abc', '1x', '1 Gi', '1gi', '1KiB', 'Mi', '.', '1e', '1.2.3', '1e99999'])('refuses %p', (quantity) => {
    expect(() => quantityNanos(quantity)).toThrow(/invalid quantity/);
  });
});

describe('formatNanos', () => {
  it.each<[string, string]>([
    ['2', '2'],
    ['200m', '200m'],
    ['1500m', '1500m'],
    ['7n', '7n'],
    ['128Mi', '128Mi'],
    ['1.5Gi', '1536Mi'],
    ['100M', '100000000'],
    ['0', '0'],
  ])('renders %p as %p', (quantity, text) => {
    expect(formatNanos(quantityNanos(quantity))).toBe(text);
  });
});
