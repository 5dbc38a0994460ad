// The operator's own Prometheus metrics (beside prom-client's process metrics). Created once per registry:
// several workers in one process (tests) share them instead of registering a name twice.
import { Counter, Histogram, register, type Registry } from 'prom-client';

export interface PoolMetrics {
  /** From a BatchSandbox's creation to its last pod delivered (alloc-status and status written). */
  allocationLatency: Histogram<'namespace' | 'pool'>;
  /** API writes one delivery made: the metadata patch, the status patch, and any conflict retries. */
  deliveryWrites: Histogram<'namespace' | 'pool'>;
  /** Pods whose ownership in the pool ledger disagreed with the cluster's allocation annotations. */
  ledgerDrift: Counter<'namespace' | 'pool' | 'kind'>;
}

const created = new WeakMap<Registry, PoolMetrics>();

export function poolMetrics(registry: Registry = register): PoolMetrics {
  const existing = created.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: PoolMetrics = {
    allocationLatency: new Histogram({
      name: 'opensandbox_allocation_latency_seconds',
      help: 'Time from BatchSandbox creation to its last pod delivered from the pool',
      labelNames: ['namespace', 'pool'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    deliveryWrites: new Histogram({
      name: 'opensandbox_delivery_api_writes',
      help: 'API writes per BatchSandbox delivery (2 without conflicts)',
      labelNames: ['namespace', 'pool'],
      buckets: [1, 2, 3, 4, 6, 8, 12],
      registers,
    }),
    ledgerDrift: new Counter({
      name: 'opensandbox_ledger_drift_total',
      help: 'Pods whose owner in the pool ledger disagreed with the allocation annotations (kind: untracked = adopted into the ledger, conflict = claimed by another sandbox)',
      labelNames: ['namespace', 'pool', 'kind'],
      registers,
    }),
  };
  created.set(registry, metrics);
  return metrics;
}
