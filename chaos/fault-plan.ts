// When the chaos run breaks what: `kill -9` of an operator replica about every `killEveryMs` (jittered,
// a seeded choice of replica), one Temporal crash at ~35% of the run and one kube-apiserver crash at
// ~65%. Nothing happens in the last fifth, so the run ends with the operator recovered and its
// measurements include the recovery. Pure and seeded: a run's faults can be replayed.

export type Fault =
  { atMs: number; kind: 'kill-replica'; replica: number } | { atMs: number; kind: 'crash-temporal' } | { atMs: number; kind: 'crash-kube-apiserver' };

export interface FaultPlanInput {
  durationMs: number;
  replicas: number;
  killEveryMs: number;
  seed: number;
}

const QUIET_TAIL = 0.2;
const JITTER = 0.3;

export function planFaults({ durationMs, replicas, killEveryMs, seed }: FaultPlanInput): Fault[] {
  const random = mulberry32(seed);
  const lastFaultAt = durationMs * (1 - QUIET_TAIL);
  const faults: Fault[] = [
    { atMs: Math.round(durationMs * 0.35), kind: 'crash-temporal' },
    { atMs: Math.round(durationMs * 0.65), kind: 'crash-kube-apiserver' },
  ];
  for (let at = killEveryMs; at <= lastFaultAt; at += killEveryMs) {
    const jittered = at + (random() * 2 - 1) * JITTER * killEveryMs;
    faults.push({ atMs: Math.round(Math.min(jittered, lastFaultAt)), kind: 'kill-replica', replica: Math.floor(random() * replicas) });
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

/** A small seeded PRNG (uniform in [0, 1)): the run's choices are reproducible from its seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
