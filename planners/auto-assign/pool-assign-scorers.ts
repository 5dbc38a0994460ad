// The scorers of auto-assign (spec §5). resbalance ranks Pools by how much of them is handed out:
// LeastAllocated spreads sandboxes over pools, MostAllocated packs them.
import type { PoolScorer } from './assign-plugins.js';

export const RESOURCE_BALANCE_STRATEGIES = ['LeastAllocated', 'MostAllocated'] as const;
export type ResourceBalanceStrategy = (typeof RESOURCE_BALANCE_STRATEGIES)[number];

/** Throws on a strategy it does not know, as upstream refuses to build such a profile. */
export function resourceBalanceScorer(strategy: ResourceBalanceStrategy): PoolScorer {
  if (!RESOURCE_BALANCE_STRATEGIES.includes(strategy)) throw new Error(`resbalance: unknown strategy "${strategy}"`);
  return {
    name: 'resbalance',
    score({ allocated, total }) {
      // An empty pool (or one without status yet) has nothing to balance.
      if (total <= 0) return 0;
      const used = allocated / total;
      return strategy === 'LeastAllocated' ? 1 - used : used;
    },
  };
}
