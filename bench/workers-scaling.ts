// workers-2: how delivery scales with operator processes. sandboxes-1000 (1,000 single-replica sandboxes
// at once across 20 pools) three times in one run: with one operator process (both roles), with two (as a
// two-replica Deployment), and with two plus one work-only process. Each line adds `speedup`: the first
// line's all-delivered time over this one's. The processes share this machine's two cores with the
// apiserver, etcd, kwok and Temporal, so this shows what the work spreads to, not a cluster's headroom.
import type { BenchRun } from './bench-run.js';
import { ONE_OPERATOR, topologyName, type OperatorTopology } from './operator-topology.js';
import { POOL_SCENARIOS, runPoolScenario } from './pool-delivery.js';

export const WORKERS_SCENARIO = 'workers-2';

const TOPOLOGIES: OperatorTopology[] = [ONE_OPERATOR, [...ONE_OPERATOR, ...ONE_OPERATOR], [...ONE_OPERATOR, ...ONE_OPERATOR, ['work']]];

/** Reports each topology's line as soon as it is measured: a later one may not finish. */
export async function runWorkersScaling(run: BenchRun): Promise<object[]> {
  const sandboxes = POOL_SCENARIOS.find((s) => s.name === 'sandboxes-1000')!;
  let baselineMs: number | undefined;
  for (const topology of TOPOLOGIES) {
    await run.useOperators(topology);
    const [line] = (await runPoolScenario(sandboxes, run)) as { all_delivered_p50_ms: number }[];
    baselineMs ??= line!.all_delivered_p50_ms;
    run.report({
      ...line,
      scenario: WORKERS_SCENARIO,
      operators: topologyName(topology),
      speedup: Math.round((baselineMs / line!.all_delivered_p50_ms) * 100) / 100,
    });
  }
  return [];
}
