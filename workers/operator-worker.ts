// The `work` role: one Temporal Worker on the operator's task queue, running the pre-built
// workflow bundle and the activities bound to the real cluster.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createLifecycleActivities } from '../activities/lifecycle-activities.js';
import { createPoolActivities } from '../activities/pool-activities.js';
import type { ClusterCache } from '../activities/cluster-cache.js';
import { createTaskActivities } from '../activities/task-activities.js';
import { createTaskExecutorClient } from '../activities/task-executor-client.js';
import type { OperatorConfig } from '../config/operator-config.js';
import { systemClock } from '../kernel/clock.js';
import { createEventRecorder } from '../kernel/events.js';
import type { KubeClients } from '../kernel/kube-clients.js';
import type { Logger } from '../kernel/logger.js';
import { poolMetrics } from '../kernel/operator-metrics.js';
import { operatorDataConverter } from '../kernel/payload-compression.js';
import { temporalConnectionOptions } from '../config/temporal-connection.js';
import { WORKFLOW_FAILURE_ERROR_TYPES } from './workflow-failure-policy.js';

export interface OperatorWorkerOptions {
  config: Pick<OperatorConfig, 'temporal' | 'workflowBundlePath' | 'snapshot' | 'taskExecutorUrl'>;
  clients: KubeClients;
  log: Logger;
  /** The watch role's informers, when both roles run in this process (see createPoolActivities). */
  cache?: ClusterCache;
  /**
   * A connection shared with this process's Client (both roles in one process): the Client's workflow
   * starts can then be eager. The caller owns it and closes it after the worker has stopped.
   */
  connection?: NativeConnection;
}

export interface OperatorWorker {
  worker: Worker;
  /** Polls until `worker.shutdown()` has drained it, then closes the connection it owns. */
  run(): Promise<void>;
}

export async function createOperatorWorker({ config, clients, log, cache, connection: shared }: OperatorWorkerOptions): Promise<OperatorWorker> {
  const connection = shared ?? (await NativeConnection.connect(temporalConnectionOptions(config.temporal)));
  const closeOwned = async () => {
    if (!shared) await connection.close();
  };
  const events = createEventRecorder({ core: clients.core, log, clock: systemClock });
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: { codePath: config.workflowBundlePath },
      dataConverter: operatorDataConverter,
      activities: {
        ...createPoolActivities({ clients, log, cache, events, metrics: poolMetrics() }),
        ...createLifecycleActivities({ clients, log, events, settings: config.snapshot }),
        ...createTaskActivities({ clients, log, events, executor: createTaskExecutorClient(config.taskExecutorUrl) }),
      },
      // In-flight activities get this long after shutdown() before they are cancelled; it stays
      // inside the pod's termination grace period.
      shutdownGraceTime: '5 seconds',
      // A replica killed without a shutdown (OOM, node loss) leaves its workflows' next tasks on its
      // sticky queue until this runs out; the default 10 s stalled every pool it served that long
      // (measured by the chaos run). Another replica replays the workflow after it. A live worker always
      // keeps a poll waiting on its sticky queue, so a short timeout costs it nothing.
      stickyQueueScheduleToStartTimeout: '2 seconds',
      workflowFailureErrorTypes: WORKFLOW_FAILURE_ERROR_TYPES,
    });
    return {
      worker,
      run: async () => {
        try {
          await worker.run();
        } finally {
          await closeOwned();
        }
      },
    };
  } catch (err) {
    await closeOwned();
    throw err;
  }
}
