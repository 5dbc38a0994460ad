// `npm run bench -- --scenario=<name>[,<name>] [--trials=N] [--verbose] [--keep] [--operators=<roles>,...]`:
// benchmarks on the local stack with the operator running as its own process (or processes: --operators,
// bench/operator-topology.ts). Prints one JSON line per scenario.
//   pool-1x100, pool-100x1, pool-1x1000  delivery from a warm pool (bench/pool-delivery.ts)
//   sandboxes-1000, pool-10k             1,000 sandboxes across 20 pools; 1×1000 and 100×10 from a pool of
//                                        10,000 (bench/pool-delivery.ts; minutes of warm-up: only when named)
//   workers-2                            sandboxes-1000 with one operator process, two, and two plus a
//                                        work-only one (bench/workers-scaling.ts; only when named)
//   pause-resume                         operator overhead of pause and resume (bench/pause-resume.ts)
//   pause-resume-real                    pause/resume of real containers on the real node, vs the raw floor
//                                        (bench/pause-resume-real.ts; root only; not in the default set)
import { parseArgs } from 'node:util';
import { startLocalStack } from '../stack/local-stack.js';
import type { BenchRun } from './bench-run.js';
import { BenchOperators, ONE_OPERATOR, parseTopology } from './operator-topology.js';
import { PAUSE_RESUME_SCENARIO, runPauseResume } from './pause-resume.js';
import { PAUSE_RESUME_REAL_SCENARIO, runPauseResumeReal } from './pause-resume-real.js';
import { LONG_POOL_SCENARIOS, POOL_SCENARIOS, runPoolScenario } from './pool-delivery.js';
import { runWorkersScaling, WORKERS_SCENARIO } from './workers-scaling.js';

/** Each scenario prints one JSON line per result it returns. */
const SCENARIOS: Record<string, (run: BenchRun) => Promise<object | object[]>> = {
  ...Object.fromEntries(POOL_SCENARIOS.map((s) => [s.name, (run: BenchRun) => runPoolScenario(s, run)])),
  [PAUSE_RESUME_SCENARIO]: runPauseResume,
  [PAUSE_RESUME_REAL_SCENARIO]: runPauseResumeReal,
  [WORKERS_SCENARIO]: runWorkersScaling,
};
/** Scenarios that need the real node (root): run only when named. */
const REAL_NODE_SCENARIOS = [PAUSE_RESUME_REAL_SCENARIO];
/** Run only when named: the real node's, and those that warm thousands of pods first. */
const NAMED_ONLY = [...REAL_NODE_SCENARIOS, ...LONG_POOL_SCENARIOS, WORKERS_SCENARIO];

const { values } = parseArgs({
  options: {
    scenario: {
      type: 'string',
      default: Object.keys(SCENARIOS)
        .filter((name) => !NAMED_ONLY.includes(name))
        .join(','),
    },
    trials: { type: 'string', default: '5' },
    verbose: { type: 'boolean', default: false },
    // Keep the stack's data dir (component and operator logs) for a look afterwards.
    keep: { type: 'boolean', default: false },
    // The operator processes, by roles: e.g. watch+work,watch+work,work (bench/operator-topology.ts).
    operators: { type: 'string' },
  },
});
const topology = values.operators === undefined ? ONE_OPERATOR : parseTopology(values.operators);
const names = values.scenario.split(',');
const chosen = names.map((name) => {
  const run = SCENARIOS[name];
  if (!run) throw new Error(`unknown scenario "${name}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
  return run;
});

async function main(): Promise<void> {
  const realNode = names.some((name) => REAL_NODE_SCENARIOS.includes(name));
  // With --keep, Temporal's database is kept too: the workflow histories can be looked at afterwards.
  const stack = await startLocalStack({ fakeNodes: 2, keepDataDir: values.keep, persistTemporal: values.keep, realNode });
  if (values.keep) process.stderr.write(`stack data: ${stack.dataDir}\n`);
  let operators = await BenchOperators.start(stack, topology);
  try {
    const run: BenchRun = {
      kc: stack.kubeConfig,
      kubeconfigPath: stack.kubeconfigPath,
      realNode: stack.realNode,
      get operators() {
        return operators;
      },
      useOperators: async (next) => {
        await operators.stop();
        operators = await BenchOperators.start(stack, next);
        return operators;
      },
      temporalAddress: stack.temporalAddress,
      temporalNamespace: stack.temporalNamespace,
      trials: Number(values.trials),
      verbose: values.verbose,
      report: (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
    };
    for (const scenario of chosen) {
      const results = await scenario(run);
      for (const line of ([] as object[]).concat(results)) run.report(line);
    }
  } finally {
    await operators.stop();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
