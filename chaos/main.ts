// `npm run chaos -- --duration=10m`: the operator under chaos on the local stack. Two or more operator
// replicas (own processes) serve pooled churn across several Pools and pause/resume cycles while the run
// kills replicas (SIGKILL) and crashes Temporal and the kube-apiserver once each (chaos/fault-plan.ts).
// It checks continuously (chaos/allocation-monitor.ts) and at the end (chaos/end-of-run-checks.ts), and
// prints one JSON line. With --check it exits 1 when a correctness count is not 0.
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, POOL, VERSION } from '../api/v1alpha1/group.js';
import { createLogger } from '../kernel/logger.js';
import { startLocalStack, type LocalStack } from '../stack/local-stack.js';
import { waitUntil } from '../stack/wait-until.js';
import { poolWorkflowId } from '../workflows/pool-workflow.js';
import { AllocationMonitor } from './allocation-monitor.js';
import { CORRECTNESS_COUNTS, parseChaosOptions, type ChaosOptions } from './chaos-options.js';
import { deleteAndFindLeftovers, failingWorkflows } from './end-of-run-checks.js';
import { mulberry32, planFaults, type Fault } from './fault-plan.js';
import { OperatorReplicas } from './operator-replicas.js';
import { runPauseResumeCycles } from './pause-resume-cycles.js';
import { runPooledChurn } from './pooled-churn.js';
import { SandboxWatch } from './sandbox-watch.js';
import { slowStepsOfWorkflows } from './slow-workflow-tasks.js';

const POOLS_NAMESPACE = 'chaos-pools';
const PAUSE_NAMESPACE = 'chaos-pause';
/** A pool workflow task or activity slower than this is reported with its attempts (where a stall came from). */
const SLOW_STEP_MS = 3_000;

const say = (message: string): void => {
  process.stderr.write(`[chaos] ${message}\n`);
};

async function main(): Promise<void> {
  const options = parseChaosOptions(process.argv.slice(2));
  say(`starting the local stack ...`);
  const stack = await startLocalStack({ fakeNodes: 2, persistTemporal: true, keepDataDir: options.keep });
  if (options.keep) say(`stack data: ${stack.dataDir}`);
  let replicas: OperatorReplicas | undefined;
  try {
    replicas = await OperatorReplicas.start(stack, options.replicas);
    const result = await run(stack, replicas, options);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    const notZero = CORRECTNESS_COUNTS.filter((key) => result[key] !== 0);
    const known = notZero.filter((key) => options.knownOpen.includes(key));
    const failed = notZero.filter((key) => !options.knownOpen.includes(key));
    if (known.length > 0) say(`not 0, known open (--known-open): ${known.join(', ')}`);
    if (options.check && failed.length > 0) {
      say(`not 0: ${failed.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await replicas?.stop();
    await stack.stop();
  }
}

async function run(stack: LocalStack, replicas: OperatorReplicas, options: ChaosOptions) {
  const kc = stack.kubeConfig;
  const random = mulberry32(options.seed);
  const pools = Array.from({ length: options.pools }, (_, i) => `pool-${i}`);
  await createNamespaces(kc, [POOLS_NAMESPACE, PAUSE_NAMESPACE]);
  await createWarmPools(kc, pools, options.clientsPerPool);

  const monitor = new AllocationMonitor();
  const watch = new SandboxWatch(kc, monitor, createLogger('warn'));
  await watch.start();
  const started = performance.now();
  const startedAtEpochMs = Date.now();
  const ending = (): boolean => performance.now() - started >= options.durationMs;
  const faults = planFaults({ durationMs: options.durationMs, replicas: options.replicas, killEveryMs: options.killEveryMs, seed: options.seed });
  say(`running for ${options.durationMs / 1000} s with ${options.replicas} replicas, ${pools.length} pools, ${faults.length} faults`);

  const [, , pauseResume, faultCounts] = await Promise.all([
    runPooledChurn({
      kc,
      namespace: POOLS_NAMESPACE,
      pools,
      clientsPerPool: options.clientsPerPool,
      allocationBoundMs: options.allocationBoundMs,
      random,
      watch,
      monitor,
      ending,
    }),
    sleep(options.durationMs),
    runPauseResumeCycles({ kc, namespace: PAUSE_NAMESPACE, sandboxes: options.pauseSandboxes, boundMs: 120_000, watch, ending, report: say }),
    inject(faults, started, stack, replicas),
  ]);
  const allocation = monitor.summary(performance.now());
  for (const pair of monitor.doubleAllocations()) say(`double allocation: ${pair}`);
  for (const slow of monitor.slowest(5)) {
    say(`slow allocation: ${slow.sandbox} created at ${Math.round((slow.createdAt - started) / 100) / 10} s, allocated after ${Math.round(slow.latencyMs)} ms`);
  }

  const poolWorkflows = pools.map((pool) => poolWorkflowId(POOLS_NAMESPACE, pool));
  for (const step of await slowStepsOfWorkflows(stack.temporalAddress, stack.temporalNamespace, poolWorkflows, SLOW_STEP_MS)) {
    say(
      `slow step: ${step.workflowId} ${step.what} at ${Math.round((step.atMs - startedAtEpochMs) / 100) / 10} s took ${step.tookMs} ms: ${step.detail.join('; ')}`,
    );
  }

  say('workload stopped; checking workflows and cleaning up ...');
  const failing = await failingWorkflows(stack.temporalAddress, stack.temporalNamespace);
  for (const workflow of failing) say(`failing workflow: ${workflow}`);
  await watch.stop();
  const leftovers = await deleteAndFindLeftovers(kc, [POOLS_NAMESPACE, PAUSE_NAMESPACE]);
  for (const name of leftovers.names) say(`left over: ${name}`);
  for (const crash of replicas.crashes) say(`replica crashed: ${crash}`);

  return {
    scenario: 'chaos',
    duration_s: Math.round(options.durationMs / 1000),
    replicas: options.replicas,
    pools: pools.length,
    seed: options.seed,
    double_allocations: allocation.double_allocations,
    unexplained_unallocated: allocation.unexplained_unallocated,
    explained_unallocated: allocation.explained_unallocated,
    leaked_pods: leftovers.leaked_pods,
    stuck_finalizers: leftovers.stuck_finalizers,
    failing_workflows: failing.length,
    pauses_unresolved: pauseResume.pauses_unresolved,
    resumes_failed: pauseResume.resumes_failed,
    replica_crashes: replicas.crashes.length,
    allocation_p50_ms: allocation.allocation_p50_ms,
    allocation_p99_ms: allocation.allocation_p99_ms,
    allocation_max_ms: allocation.allocation_max_ms,
    longest_pool_stall_ms: allocation.longest_pool_stall_ms,
    allocations: allocation.allocations,
    pause_resume_cycles: pauseResume.pause_resume_cycles,
    pauses_rolled_back: pauseResume.pauses_rolled_back,
    sandboxes_not_started: pauseResume.sandboxes_not_started,
    ...faultCounts,
  };
}

/** Carries out the fault plan in order (one at a time: a kill never overlaps another fault). */
async function inject(faults: readonly Fault[], started: number, stack: LocalStack, replicas: OperatorReplicas) {
  const counts = { kills: 0, temporal_restarts: 0, apiserver_restarts: 0, temporal_down_ms: 0, apiserver_down_ms: 0 };
  for (const fault of faults) {
    await sleep(Math.max(0, started + fault.atMs - performance.now()));
    const at = Math.round((performance.now() - started) / 1000);
    if (fault.kind === 'kill-replica') {
      say(`${at} s: kill -9 operator-${fault.replica}`);
      await replicas.killAndRestart(fault.replica);
      counts.kills++;
    } else if (fault.kind === 'crash-temporal') {
      counts.temporal_down_ms = Math.round(await stack.crashAndRestart('temporal'));
      counts.temporal_restarts++;
      say(`${at} s: Temporal crashed and restarted (down ${counts.temporal_down_ms} ms)`);
    } else {
      counts.apiserver_down_ms = Math.round(await stack.crashAndRestart('kube-apiserver'));
      counts.apiserver_restarts++;
      say(`${at} s: kube-apiserver crashed and restarted (down ${counts.apiserver_down_ms} ms)`);
    }
  }
  return counts;
}

async function createNamespaces(kc: KubeConfig, names: readonly string[]): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of names) await core.createNamespace({ body: { metadata: { name } } });
}

/**
 * Pools whose buffer covers their clients' largest demand (2 pods each) with room to spare, half of them
 * recycling by Delete and half by Noop; resolves once each is warm.
 */
async function createWarmPools(kc: KubeConfig, pools: readonly string[], clientsPerPool: number): Promise<void> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const buffer = clientsPerPool * 2 + 2;
  for (const [i, name] of pools.entries()) {
    await objects.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: POOLS_NAMESPACE,
      plural: POOL.plural,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'Pool',
        metadata: { name },
        spec: {
          template: { spec: { containers: [{ name: 'sandbox', image: 'sandbox:chaos', command: ['sleep', 'infinity'] }] } },
          capacitySpec: { bufferMin: buffer, bufferMax: buffer * 2, poolMin: buffer, poolMax: buffer * 4 },
          recycleStrategy: { type: i % 2 === 0 ? 'Delete' : 'Noop' },
        },
      },
    });
  }
  await waitUntil(
    async () => {
      const list = (await objects.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: POOLS_NAMESPACE, plural: POOL.plural })) as {
        items: { status?: { available?: number } }[];
      };
      return list.items.length === pools.length && list.items.every((p) => (p.status?.available ?? 0) >= buffer);
    },
    { what: `${pools.length} warm pools`, timeoutMs: 120_000, intervalMs: 500 },
  );
}

main().catch((err: unknown) => {
  say(`failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
