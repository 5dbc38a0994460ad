// Kubernetes resource quantities ("500m", "512Mi", "1.5Gi", "2", "1e3"), compared exactly. Not
// @kubernetes/client-node's quantityToScalar: it returns a float for "m"/"u"/"n" and a bigint otherwise,
// and throws on fractional binary amounts such as "1.5Gi", which the apiserver accepts.
// Values are held as bigint nano-units (10^-9), rounded up like the apiserver does below that scale.

const BINARY_EXPONENT: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

// sign, number, then a binary SI suffix, a decimal SI suffix or a decimal exponent (e/E + integer).
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:([KMGTPE]i|[numkMGTPE]?)|[eE]([+-]?\d+))$/;

/** A bound on the decimal exponent, so "1e999999999" is refused rather than turned into a huge bigint. */
const MAX_EXPONENT = 1000;

const NANOS_PER_UNIT = 10n ** 9n;

/** The quantity in nano-units; a YAML number (`cpu: 2`) is accepted as its decimal text. Throws if invalid. */
export function quantityNanos(quantity: string | number): bigint {
  const text = String(quantity);
  const match = QUANTITY.exec(text);
  if (!match) throw new Error(`invalid quantity "${text}"`);
  const [, sign, number = '', suffix, exponent] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let exp10 = exponent === undefined ? (DECIMAL_EXPONENT[suffix ?? ''] ?? 0) : Number(exponent);
  if (Math.abs(exp10) > MAX_EXPONENT) throw new Error(`invalid quantity "${text}": exponent out of range`);
  exp10 += 9 - fraction.length;
  const exp2 = BINARY_EXPONENT[suffix ?? ''] ?? 0;
  const mantissa = BigInt(`${whole}${fraction}` || '0') * 2n ** BigInt(exp2);
  const magnitude = exp10 >= 0 ? mantissa * 10n ** BigInt(exp10) : ceilDiv(mantissa, 10n ** BigInt(-exp10));
  return sign === '-' ? -magnitude : magnitude;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** A compact rendering for messages: "2", "1500m", "512Mi", "1536Mi", "7n". */
export function formatNanos(nanos: bigint): string {
  if (nanos % NANOS_PER_UNIT !== 0n) return nanos % 1_000_000n === 0n ? `${nanos / 1_000_000n}m` : `${nanos}n`;
  const units = nanos / NANOS_PER_UNIT;
  const binary = Object.entries(BINARY_EXPONENT)
    .reverse()
    .find(([, exp]) => units !== 0n && units % 2n ** BigInt(exp) === 0n);
  return binary ? `${units / 2n ** BigInt(binary[1])}${binary[0]}` : `${units}`;
}
