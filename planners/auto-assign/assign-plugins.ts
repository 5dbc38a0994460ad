// What an auto-assign profile is made of (spec §5): the predicates a candidate Pool must pass and the
// weighted scorers that rank the survivors, and the sandbox and Pools as they see them.
import type { MatchedTemplate } from './pool-assign-template.js';
import type { Labels } from '../kube/node-selector-terms.js';

/** The BatchSandbox being assigned, as the plugins see it. */
export interface AssignSubject {
  labels: Labels;
  /** Absent for a sandbox without a template: the template predicates then have nothing to check. */
  template?: MatchedTemplate;
}

/** A Pool that may be chosen, as the plugins see it. */
export interface AssignCandidate {
  name: string;
  labels: Labels;
  template: MatchedTemplate;
  /** Pods handed out and pods in total, from the Pool's status (0/0 before the first status). */
  allocated: number;
  total: number;
}

export interface PoolPredicate {
  name: string;
  /** Why the candidate cannot serve the subject, or undefined when it can. */
  reject(subject: AssignSubject, candidate: AssignCandidate): string | undefined;
}

export interface PoolScorer {
  name: string;
  /** A score in [0, 1]; the profile weighs it. */
  score(candidate: AssignCandidate): number;
}

export interface AssignProfile {
  name: string;
  predicates: readonly PoolPredicate[];
  scorers: readonly { scorer: PoolScorer; weight: number }[];
}
