// An auto-assign profile (spec §5): the predicates every candidate Pool must pass and the weighted scorers
// that rank the survivors. The built-in default below applies unless ConfigMap pool-assign-profiles
// redefines "default" (pool-assign-profile-config.ts); as upstream, no other profile can be selected.
import { imagePredicate, nodeSelectorPredicate, resourcePredicate } from './pool-assign-predicates.js';
import { resourceBalanceScorer } from './pool-assign-scorers.js';
import type { AssignProfile } from './assign-plugins.js';

export const DEFAULT_ASSIGN_PROFILE: AssignProfile = {
  name: 'default',
  predicates: [imagePredicate, resourcePredicate, nodeSelectorPredicate],
  scorers: [{ scorer: resourceBalanceScorer('LeastAllocated'), weight: 100 }],
};
