// An auto-assign profile (spec §5): the predicates every candidate Pool must pass and the weighted scorers
// that rank the survivors. The built-in default below applies unless ConfigMap pool-assign-profiles
// redefines "default" (pool-assign-profile-config.ts); as upstream, no other profile can be selected.
import type { MatchedTemplate } from './pool-assign-template.js';
import type { Labels } from './node-selector-terms.js';
import { imagePredicate, nodeSelectorPredicate, resourcePredicate } from './pool-assign-predicates.js';
import { resourceBalanceScorer } from './pool-assign-scorers.js';

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

export const DEFAULT_ASSIGN_PROFILE: AssignProfile = {
  name: 'default',
  predicates: [imagePredicate, resourcePredicate, nodeSelectorPredicate],
  scorers: [{ scorer: resourceBalanceScorer('LeastAllocated'), weight: 100 }],
};
