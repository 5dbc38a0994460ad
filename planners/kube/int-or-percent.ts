// Resolves an IntOrString budget (scaleStrategy/updateStrategy maxUnavailable) against a pod count, the way
// the upstream pool controller does (spec §12): a percentage is scaled with round-up, an integer is taken
// as is, and an invalid value or a result below 1 becomes 1 so that scaling and rollouts always progress.
import { PERCENT, type IntOrPercent } from '../../api/v1alpha1/int-or-percent.js';
import { DEFAULT_MAX_UNAVAILABLE } from '../../api/v1alpha1/pool.js';

export function scaledIntOrPercent(value: IntOrPercent | undefined, total: number, defaultValue: IntOrPercent = DEFAULT_MAX_UNAVAILABLE): number {
  const scaled = scale(value ?? defaultValue, total);
  return scaled === undefined || scaled < 1 ? 1 : scaled;
}

// `unknown`: the value may come from an object that never went through the zod schema.
function scale(value: unknown, total: number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && PERCENT.test(value)) {
    // percent * total is an exact integer, so the division is the only rounding and ceil is exact.
    return Math.ceil((Number(value.slice(0, -1)) * total) / 100);
  }
  return undefined;
}
