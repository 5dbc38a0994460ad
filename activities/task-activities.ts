// Kubernetes and task-executor I/O of the tasks workflow (ADR 0005): observe a sandbox's task spec and pods,
// collect the executors' reports, send `setTasks`, release pods through alloc-release, write the task
// counters and remove the task-cleanup finalizer. Thin executors of plans made in the workflow; each is
// idempotent (setTasks sets a desired list; the writes are unions, merge patches or removals). A write the
// apiserver refuses for good fails for good (API_REJECTED) with a TaskUpdateRejected Event on the sandbox.
import type { V1Pod } from '@kubernetes/client-node';
import { batchSandboxSchema, namesPool, type BatchSandbox } from '../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, FINALIZERS } from '../api/v1alpha1/contract.js';
import { recordOccurrence, type EventRecorder } from '../kernel/events.js';
import { isApiStatus } from '../kernel/kube-errors.js';
import type { Logger } from '../kernel/logger.js';
import { sortByIndex } from '../planners/sandbox/non-pooled-pods.js';
import { controllerOf, isTerminating, podName } from '../planners/kube/pod-state.js';
import { taskCountersOf, type ExecutorReport, type TaskCounters } from '../planners/tasks/task-round.js';
import { planTaskSpecs, type TaskSpecsPlan, type ExecutorTask } from '../planners/tasks/task-specs.js';
import { taskUpdateRejectedEvent } from '../planners/sandbox/rejection-events.js';
import { finalOnRejection } from './api-rejection.js';
import { allocationPods, lifecycleObjects, WRITE_ATTEMPTS, type LifecycleClients, type ObjectRef } from './lifecycle-objects.js';
import { mapBounded } from './map-bounded.js';
import type { TaskExecutorClient } from './task-executor-client.js';

/** Executor calls in flight per activity, as upstream (its scheduler runs ten at a time). */
const EXECUTOR_CONCURRENCY = 10;

/** A pod as the dispatcher knows it: its IP once it has one. */
export interface TaskPod {
  name: string;
  ip?: string;
}

/** What a round needs of the sandbox, or that it is gone (deleted, or replaced by a namesake). */
export type TaskSandboxView =
  | { gone: true }
  | {
      gone: false;
      deleting: boolean;
      /** Owns the task-cleanup finalizer (a deleting sandbox without it has nothing left to clean up). */
      hasFinalizer: boolean;
      phase?: string;
      policy: 'Retain' | 'Release';
      tasks: TaskSpecsPlan;
      /** Its pods in replica order, terminating ones left out. */
      pods: TaskPod[];
      counters: TaskCounters;
    };

export interface TaskActivitiesDeps {
  clients: LifecycleClients;
  executor: TaskExecutorClient;
  log: Logger;
  events: EventRecorder;
}

export type TaskActivities = ReturnType<typeof createTaskActivities>;

export function createTaskActivities({ clients, executor, log, events }: TaskActivitiesDeps) {
  const objects = lifecycleObjects(clients);
  const reportRefusal = (sandbox: ObjectRef, step: string, message: string): void => recordOccurrence(events, taskUpdateRejectedEvent(sandbox, step, message));

  /** The sandbox `ref` names (same UID), or undefined. */
  async function find(ref: ObjectRef): Promise<BatchSandbox | undefined> {
    const found = await objects.sandboxes.find(ref.namespace, ref.name);
    return found?.metadata.uid === ref.uid ? found : undefined;
  }

  /** A merge patch guarded by the resourceVersion read, re-read on a conflict; a vanished sandbox is done. */
  async function patchLatest(ref: ObjectRef, change: (sandbox: BatchSandbox) => object | undefined): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const sandbox = await find(ref);
      const metadata = sandbox && change(sandbox);
      if (metadata === undefined) return;
      try {
        await objects.sandboxes.patch(ref.namespace, ref.name, { metadata: { resourceVersion: sandbox!.metadata.resourceVersion, ...metadata } });
        return;
      } catch (err) {
        if (isApiStatus(err, 404)) return;
        if (!isApiStatus(err, 409) || attempt >= WRITE_ATTEMPTS) throw err;
      }
    }
  }

  const activities = {
    async observeTaskSandbox(ref: ObjectRef): Promise<TaskSandboxView> {
      const raw = await find(ref);
      if (raw === undefined) return { gone: true };
      const parsed = batchSandboxSchema.safeParse(raw);
      const status = raw.status;
      const common = {
        gone: false as const,
        deleting: raw.metadata.deletionTimestamp !== undefined,
        hasFinalizer: (raw.metadata.finalizers ?? []).includes(FINALIZERS.taskCleanup),
        ...(status?.phase === undefined ? {} : { phase: status.phase }),
        counters: taskCountersOf(status),
      };
      // The controller reports an object that does not parse; until it is fixed there is nothing to run.
      if (!parsed.success) return { ...common, policy: 'Retain', tasks: { ok: false, message: 'the BatchSandbox does not parse' }, pods: [] };
      const sandbox = parsed.data;
      return {
        ...common,
        policy: sandbox.spec.taskResourcePolicyWhenCompleted === 'Release' ? 'Release' : 'Retain',
        tasks: planTaskSpecs(sandbox),
        pods: (await podsOf(sandbox))
          .filter((pod) => !isTerminating(pod))
          .map((pod) => ({ name: podName(pod), ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}) })),
      };
    },

    /** `GET /getTasks` on each pod's executor, in parallel; an executor that does not answer reports null. */
    async collectTaskReports({ namespace, pods }: { namespace: string; pods: Required<TaskPod>[] }): Promise<Record<string, ExecutorReport | null>> {
      const reports = await mapBounded(pods, EXECUTOR_CONCURRENCY, (pod) => executor.report({ namespace, ...pod }));
      return Object.fromEntries(pods.map((pod, i) => [pod.name, reports[i]!]));
    },

    /**
     * `POST /setTasks` per pod. A refusal (e.g. another task still active) is logged and returned, not
     * thrown: the next round sends again, and one executor must not hold back the others.
     */
    async dispatchTasks({
      namespace,
      sandbox,
      calls,
    }: {
      namespace: string;
      sandbox: string;
      calls: (Required<TaskPod> & { tasks: ExecutorTask[] })[];
    }): Promise<{ refused: { pod: string; message: string }[] }> {
      const refused: { pod: string; message: string }[] = [];
      await mapBounded(calls, EXECUTOR_CONCURRENCY, async ({ name, ip, tasks }) => {
        try {
          await executor.setTasks({ namespace, name, ip }, tasks);
        } catch (err) {
          refused.push({ pod: name, message: (err as Error).message });
        }
      });
      for (const { pod, message } of refused) log.warn({ kind: 'BatchSandbox', namespace, name: sandbox, pod, message }, 'Task executor refused setTasks');
      return { refused };
    },

    /** Adds the pods of released tasks to alloc-release (a sorted union, as upstream). */
    async releaseTaskPods({ sandbox, pods }: { sandbox: ObjectRef; pods: string[] }): Promise<void> {
      await patchLatest(sandbox, (current) => {
        const existing = allocationPods(current, ANNOTATIONS.allocRelease);
        const union = [...new Set([...existing, ...pods])].sort();
        if (union.length === existing.length) return undefined;
        return { annotations: { [ANNOTATIONS.allocRelease]: JSON.stringify({ pods: union }) } };
      });
      log.info({ kind: 'BatchSandbox', namespace: sandbox.namespace, name: sandbox.name, pods }, 'Released the pods of finished tasks');
    },

    /** A JSON merge patch of the task counters only: the runtime status write carries them over. */
    async writeTaskCounters({ sandbox, counters }: { sandbox: ObjectRef; counters: TaskCounters }): Promise<void> {
      try {
        // metadata.uid makes the patch fail (409) on a namesake instead of writing to it.
        await objects.sandboxes.patchStatus(sandbox.namespace, sandbox.name, { metadata: { uid: sandbox.uid }, status: counters });
      } catch (err) {
        if (!isApiStatus(err, 404) && !isApiStatus(err, 409)) throw err;
      }
    },

    /** Every task is released: the sandbox's deletion may finish. */
    async removeTaskFinalizer(sandbox: ObjectRef): Promise<void> {
      await patchLatest(sandbox, (current) => {
        const finalizers = current.metadata.finalizers ?? [];
        if (!finalizers.includes(FINALIZERS.taskCleanup)) return undefined;
        return { finalizers: finalizers.filter((f) => f !== FINALIZERS.taskCleanup) };
      });
      log.info({ kind: 'BatchSandbox', namespace: sandbox.namespace, name: sandbox.name }, 'Every task released: removed the task-cleanup finalizer');
    },
  };

  return {
    ...activities,
    releaseTaskPods: finalOnRejection(activities.releaseTaskPods, (message, { sandbox }) =>
      reportRefusal(sandbox, 'releasing the pods of finished tasks', message),
    ),
    writeTaskCounters: finalOnRejection(activities.writeTaskCounters, (message, { sandbox }) => reportRefusal(sandbox, 'writing the task counters', message)),
    removeTaskFinalizer: finalOnRejection(activities.removeTaskFinalizer, (message, sandbox) =>
      reportRefusal(sandbox, 'removing the task-cleanup finalizer', message),
    ),
  };

  /** Non-pooled: the pods it controls, by index; pooled: those its alloc-status names minus alloc-release, in that order. */
  async function podsOf(sandbox: BatchSandbox): Promise<V1Pod[]> {
    const { pods } = await objects.podsOf(sandbox);
    if (!namesPool(sandbox.spec.poolRef)) return sortByIndex(pods.filter((pod) => controllerOf(pod)?.uid === sandbox.metadata.uid));
    const released = new Set(allocationPods(sandbox, ANNOTATIONS.allocRelease));
    return pods.filter((pod) => !released.has(podName(pod)));
  }
}
