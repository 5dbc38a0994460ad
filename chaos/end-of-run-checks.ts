// What the chaos run checks once its workload has stopped: no workflow left failing its tasks, and
// after the chaos objects are deleted, nothing stuck on a finalizer and no pod left over.
//   failing workflows  open runs whose workflow task is on a second attempt or later, or with an activity
//                      failing for the third time, still so after the settle time;
//   stuck finalizers   BatchSandboxes, SandboxSnapshots and then Pools still there after the settle time;
//   leaked pods        pods still there once every BatchSandbox is gone, other than idle pool members
//                      (a pool pod still labelled with a sandbox, a sandbox's own pod, a commit Job's pod).
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { BATCH_SANDBOX, GROUP, POOL, SANDBOX_SNAPSHOT, VERSION } from '../api/v1alpha1/group.js';
import { LABELS } from '../api/v1alpha1/contract.js';
import { deleteRetrying } from './client-writes.js';

const SETTLE_MS = 60_000;
const POLL_MS = 1_000;

export interface Leftovers {
  stuck_finalizers: number;
  leaked_pods: number;
  /** Names, for the run's report. */
  names: string[];
}

/** Open workflows failing their tasks, by id (polled until none is, or the settle time is over). */
export async function failingWorkflows(temporalAddress: string, namespace: string, settleMs = 30_000): Promise<string[]> {
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    const client = new Client({ connection, namespace });
    const deadline = performance.now() + settleMs;
    for (;;) {
      const failing: string[] = [];
      for await (const run of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
        const { raw } = await client.workflow.getHandle(run.workflowId, run.runId).describe();
        const taskAttempt = raw.pendingWorkflowTask?.attempt ?? 0;
        const activity = (raw.pendingActivities ?? []).find((a) => (a.attempt ?? 0) >= 3 && a.lastFailure);
        if (taskAttempt >= 2) failing.push(`${run.workflowId} (workflow task attempt ${taskAttempt})`);
        else if (activity) failing.push(`${run.workflowId} (${activity.activityType?.name} attempt ${activity.attempt}: ${activity.lastFailure?.message})`);
      }
      if (failing.length === 0 || performance.now() > deadline) return failing;
      await sleep(POLL_MS * 5);
    }
  } finally {
    await connection.close();
  }
}

/** Deletes the chaos objects (sandboxes first, then Pools) and reports what did not go as it should. */
export async function deleteAndFindLeftovers(kc: KubeConfig, namespaces: readonly string[]): Promise<Leftovers> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const names: string[] = [];
  const listOf = async (plural: string, namespace: string) =>
    ((await objects.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural })) as { items: { metadata: { name: string } }[] }).items;
  const deleteAll = async (plural: string): Promise<void> => {
    for (const namespace of namespaces) {
      for (const item of await listOf(plural, namespace)) {
        await deleteRetrying(() => objects.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, name: item.metadata.name }));
      }
    }
  };
  /** What of `plural` is still there after the settle time (none: at once). */
  const remaining = async (plural: string): Promise<string[]> => {
    const deadline = performance.now() + SETTLE_MS;
    for (;;) {
      const left = (await Promise.all(namespaces.map(async (ns) => (await listOf(plural, ns)).map((i) => `${plural}/${ns}/${i.metadata.name}`)))).flat();
      if (left.length === 0 || performance.now() > deadline) return left;
      await sleep(POLL_MS);
    }
  };

  await deleteAll(BATCH_SANDBOX.plural);
  const stuck = [...(await remaining(BATCH_SANDBOX.plural)), ...(await remaining(SANDBOX_SNAPSHOT.plural))];
  const leaked = await settledLeftoverPods(core, namespaces);
  await deleteAll(POOL.plural);
  stuck.push(...(await remaining(POOL.plural)));
  names.push(...stuck, ...leaked.map((pod) => `pod/${pod}`));
  return { stuck_finalizers: stuck.length, leaked_pods: leaked.length, names };
}

/** Pods that are not idle pool members, still there after the settle time. */
async function settledLeftoverPods(core: CoreV1Api, namespaces: readonly string[]): Promise<string[]> {
  const deadline = performance.now() + SETTLE_MS;
  for (;;) {
    const pods = (await Promise.all(namespaces.map(async (namespace) => (await core.listNamespacedPod({ namespace })).items))).flat();
    const leftovers = pods.filter((pod) => !isIdlePoolMember(pod)).map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`);
    if (leftovers.length === 0 || performance.now() > deadline) return leftovers;
    await sleep(POLL_MS);
  }
}

function isIdlePoolMember(pod: V1Pod): boolean {
  const labels = pod.metadata?.labels ?? {};
  return labels[LABELS.poolName] !== undefined && labels[LABELS.batchSandboxName] === undefined;
}
