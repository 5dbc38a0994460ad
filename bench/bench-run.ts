// What every benchmark scenario gets: the local stack's admin kubeconfig, the operator processes (each its
// own process, as deployed) and the run's options; and the statistics they report.
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { RealNode } from '../stack/real-node/real-node.js';
import type { BenchOperators, OperatorTopology } from './operator-topology.js';
import { waitUntil } from '../stack/wait-until.js';

export interface BenchRun {
  kc: KubeConfig;
  kubeconfigPath: string;
  /** The stack's real node, when a scenario asked for one. */
  realNode: RealNode | undefined;
  /** The operator processes running now. */
  operators: BenchOperators;
  /** Stops the operator processes and starts those of `topology` instead (resolves once all are Ready). */
  useOperators(topology: OperatorTopology): Promise<BenchOperators>;
  temporalAddress: string;
  temporalNamespace: string;
  trials: number;
  verbose: boolean;
  /** Prints a result line now (a scenario's returned lines are printed when it ends). */
  report(line: object): void;
}

/** Nearest-rank percentile, rounded to 0.1 ms. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]! * 10) / 10;
}

/**
 * Deletes a scenario's namespace and waits until it is gone: the next scenario must not share the machine
 * with this one's garbage collection.
 */
export async function deleteNamespaceAndWait(core: CoreV1Api, namespace: string, timeoutMs: number): Promise<void> {
  await core.deleteNamespace({ name: namespace });
  await waitUntil(async () => !(await core.listNamespace()).items.some((n) => n.metadata?.name === namespace), {
    what: `namespace ${namespace} deleted`,
    timeoutMs,
    intervalMs: 500,
  });
}
