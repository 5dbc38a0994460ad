// Go duration strings ("30s", "1m30s", "1.5h", "500ms"), the format of the Pool restart-config's
// retryInterval, which users write for the upstream operator's time.ParseDuration.

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 MICRO SIGN
  μs: 1e-3, // U+03BC GREEK SMALL LETTER MU
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// One "<number><unit>" term; longer units are listed before their prefixes ("ms" before "m").
const TERM = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Milliseconds of a positive Go duration; undefined for anything else. Zero and negative durations are
 * refused too: callers use the value as a timer interval.
 */
export function parsePositiveGoDuration(text: string): number | undefined {
  let ms = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < text.length) {
    const term = TERM.exec(text);
    if (term === null) return undefined;
    ms += Number(term[1]) * UNIT_MS[term[2]!]!;
  }
  return ms > 0 ? ms : undefined;
}
