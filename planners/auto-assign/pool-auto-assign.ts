// Auto-assign (spec §5): the Pool a BatchSandbox with poolRef "*" should use. Candidates are the Pools of
// its namespace that pass every predicate of the profile; the highest weighted score wins and ties go to
// the lexicographically smaller name, so the choice is stable. When none qualifies, the answer says why
// for each Pool, because "no eligible pool" alone leaves the user guessing.
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { Pool } from '../../api/v1alpha1/pool.js';
import { DEFAULT_ASSIGN_PROFILE } from './pool-assign-profile.js';
import type { AssignCandidate, AssignProfile, AssignSubject } from './assign-plugins.js';
import { matchedTemplate } from './pool-assign-template.js';

export interface PoolAssignInput {
  sandbox: BatchSandbox;
  /** The Pools of the sandbox's namespace. */
  pools: readonly Pool[];
  profile?: AssignProfile;
}

export type PoolAssignment = { kind: 'assign'; pool: string; score: number } | { kind: 'none'; reason: string };

export function choosePool({ sandbox, pools, profile = DEFAULT_ASSIGN_PROFILE }: PoolAssignInput): PoolAssignment {
  let subject: AssignSubject;
  try {
    const { template } = sandbox.spec;
    subject = { labels: sandbox.metadata.labels ?? {}, template: template && matchedTemplate(template) };
  } catch (err) {
    return { kind: 'none', reason: `its template cannot be matched: ${(err as Error).message}` };
  }
  if (pools.length === 0) return { kind: 'none', reason: `there is no Pool in namespace ${sandbox.metadata.namespace}` };

  const rejections: string[] = [];
  let best: { pool: string; score: number } | undefined;
  for (const pool of [...pools].sort((a, b) => compareNames(a.metadata.name, b.metadata.name))) {
    const verdict = judge(subject, pool, profile);
    if (typeof verdict === 'string') {
      rejections.push(`${pool.metadata.name} (${verdict})`);
      continue;
    }
    // Strictly greater: among equal scores the first, i.e. smallest, name stays.
    if (best === undefined || verdict.score > best.score) best = { pool: pool.metadata.name, score: verdict.score };
  }
  if (best) return { kind: 'assign', ...best };
  return { kind: 'none', reason: `no Pool qualifies: ${rejections.join('; ')}` };
}

/** The pool's weighted score, or why it cannot serve the sandbox. */
function judge(subject: AssignSubject, pool: Pool, profile: AssignProfile): { score: number } | string {
  // A Pool on its way out would take the sandbox down with it.
  if (pool.metadata.deletionTimestamp) return 'being deleted';
  let candidate: AssignCandidate;
  try {
    candidate = {
      name: pool.metadata.name,
      labels: pool.metadata.labels ?? {},
      template: matchedTemplate(pool.spec.template),
      allocated: pool.status?.allocated ?? 0,
      total: pool.status?.total ?? 0,
    };
  } catch (err) {
    return `its template cannot be matched: ${(err as Error).message}`;
  }
  for (const predicate of profile.predicates) {
    const reason = predicate.reject(subject, candidate);
    if (reason !== undefined) return reason;
  }
  const score = profile.scorers.reduce((sum, { scorer, weight }) => sum + scorer.score(candidate) * weight, 0);
  return { score };
}

/** Byte-wise, as Go compares strings (localeCompare would depend on the locale). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
