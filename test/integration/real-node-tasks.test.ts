// Tasks run for real on the stack's real node: the project's task-executor image (images/task-executor-
// image.ts) in sandbox pods, and the operator in-process calling it where a cluster's operator does, on
// the pod's IP at port 5758 (the default executor URL, not the stack's simulated executors).
// - Sidecar mode (upstream task e2e 47, 12 in meaning): a Pool whose pods run the executor beside the main
//   container with a shared process namespace; the task is entered into the main container (its files,
//   hostname and environment, TARGET_VAR included), the sandbox's counters move, and with
//   taskResourcePolicyWhenCompleted Release the task is deleted on the executor and the pod goes back to
//   the pool.
// - Host mode (upstream task e2e 46, 48, 49 through the operator): a pod whose only container is the
//   executor image runs the task itself.
import { describe, expect, it } from '@jest/globals';
import type { V1Container } from '@kubernetes/client-node';
import { DEFAULT_TASK_EXECUTOR_URL } from '../../activities/task-executor-client.js';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, parseAllocationAnnotation } from '../../api/v1alpha1/contract.js';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import { TASK_EXECUTOR_PORT } from '../../images/task-executor-image.js';
import { podName } from '../../planners/kube/pod-state.js';
import { realNodeTemplate as realNodePodTemplate } from '../../stack/real-node/real-node-pods.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { LifecycleNamespace } from '../support/lifecycle-namespace.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { execInPod } from '../support/real-node-pods.js';
import { requireRealNode } from '../support/stack.js';

const realNode = requireRealNode();

// The real executors, not the stack's simulated ones (those serve the kwok pods).
const suite = poolOperatorSuite('real-tasks', { batchSandboxController: true, taskExecutorUrl: DEFAULT_TASK_EXECUTOR_URL });
const { ns } = suite;
const life = new LifecycleNamespace(ns);
const WAIT_MS = 90_000;
const DATA_DIR = '/var/lib/sandbox/tasks';
const MAIN = 'sandbox';

interface ExecutorTaskView {
  name: string;
  processStatus?: { running?: { startedAt: string }; terminated?: { exitCode: number; reason?: string } };
}

/** The executor container: the image's entrypoint, Ready once its API answers. */
function executorContainer(extra: Partial<V1Container> = {}): V1Container {
  return {
    name: 'task-executor',
    image: realNode.images.taskExecutor,
    ports: [{ name: 'executor', containerPort: TASK_EXECUTOR_PORT }],
    readinessProbe: { httpGet: { path: '/health', port: TASK_EXECUTOR_PORT }, periodSeconds: 1 },
    ...extra,
  };
}

/**
 * A sandbox pod with the executor as a sidecar (spec §3.1 (b)): one process namespace; the executor
 * enters the main container with nsenter, which needs CAP_SYS_ADMIN (with only SYS_PTRACE, setns is
 * refused), and reads its environment (SYS_PTRACE); the main container carries the marker the executor
 * finds it by; the data directory is one volume at the same path in both (the shim writes the exit file
 * from inside the main container).
 */
function sidecarTemplate(): PodTemplate {
  const template = realNodePodTemplate(realNode.images.busybox, [{ name: MAIN, command: 'sleep 3600' }]);
  const volumeMounts = [{ name: 'tasks', mountPath: DATA_DIR }];
  Object.assign(template.spec.containers[0]!, {
    env: [
      { name: 'SANDBOX_MAIN_CONTAINER', value: MAIN },
      { name: 'TARGET_VAR', value: 'hello-from-target' },
    ],
    volumeMounts,
  });
  template.spec.containers.push(
    executorContainer({
      env: [
        { name: 'ENABLE_SIDECAR_MODE', value: 'true' },
        { name: 'MAIN_CONTAINER_NAME', value: MAIN },
        { name: 'EXECUTOR_ONLY', value: 'set-in-the-executor' },
      ],
      securityContext: { capabilities: { add: ['SYS_ADMIN', 'SYS_PTRACE'] } },
      volumeMounts,
    }) as PodTemplate['spec']['containers'][number],
  );
  Object.assign(template.spec, { shareProcessNamespace: true, volumes: [{ name: 'tasks', emptyDir: {} }] });
  return template;
}

/** A sandbox pod whose only container is the executor (spec §3.1 (a), the host mode upstream's e2e pools use). */
function hostTemplate(): PodTemplate {
  const template = realNodePodTemplate(realNode.images.taskExecutor, [{ name: 'task-executor', command: '' }]);
  template.spec.containers = [executorContainer({ env: [{ name: 'EXECUTOR_VAR', value: 'from-the-executor' }] }) as PodTemplate['spec']['containers'][number]];
  return template;
}

async function podIp(pod: string): Promise<string> {
  const ip = (await ns.core.readNamespacedPod({ namespace: ns.namespace, name: pod })).status?.podIP;
  if (!ip) throw new Error(`pod ${pod} has no IP`);
  return ip;
}

/** What the pod's executor reports, read as the operator reads it. */
async function executorTasks(pod: string): Promise<ExecutorTaskView[]> {
  const res = await fetch(`http://${await podIp(pod)}:${TASK_EXECUTOR_PORT}/getTasks`, { signal: AbortSignal.timeout(3_000) });
  if (!res.ok) throw new Error(`GET /getTasks on ${pod}: HTTP ${res.status}`);
  return (await res.json()) as ExecutorTaskView[];
}

const allocationOf = (bs: BatchSandbox, annotation: string) => parseAllocationAnnotation(bs.metadata.annotations?.[annotation] ?? '{}').pods;
const waitForSandbox = (name: string, what: string, check: (bs: BatchSandbox) => boolean) => life.waitForSandbox(name, what, check, WAIT_MS);
const figures: Record<string, number | string> = {};

describe('tasks on the real node (the project task-executor image, the operator calling each pod on port 5758)', () => {
  it('sidecar mode: a pooled sandbox’s task runs inside the main container with its environment (upstream task e2e 47), counts Succeed, and Release deletes it on the executor and frees the pod', async () => {
    await ns.createPool(
      aPool('sidecars', ns.namespace).template(sidecarTemplate()).recycle('Noop').capacity({ bufferMin: 1, bufferMax: 2, poolMin: 1, poolMax: 2 }).build(),
    );
    await ns.waitForStablePool('sidecars', (s) => s.available >= 1);

    const created = Date.now();
    await ns.createSandbox(
      aBatchSandbox('env-release', ns.namespace)
        .poolRef('sidecars')
        .tasks({
          spec: {
            process: {
              command: ['sh', '-c'],
              args: ['env | sort > /tmp/task-env; hostname > /tmp/task-hostname; cat /tmp/task-env'],
              env: [{ name: 'TASK_VAR', value: 'from-the-task' }],
            },
          },
        })
        .taskResourcePolicy('Release')
        .build(),
    );
    const [pod] = await ns.waitForAllocation('env-release', 1);
    const succeeded = await waitForSandbox('env-release', 'taskSucceed = 1', (bs) => bs.status?.taskSucceed === 1);
    figures.pooled_sidecar_created_to_task_succeed_ms = Date.now() - created;
    expect(succeeded.status).toMatchObject({ taskFailed: 0, taskUnknown: 0 });
    const released = await waitForSandbox('env-release', 'pod released', (bs) => allocationOf(bs, ANNOTATIONS.allocReleased).includes(pod!));
    figures.pooled_sidecar_created_to_released_ms = Date.now() - created;
    expect(allocationOf(released, ANNOTATIONS.allocRelease)).toEqual([pod]);
    expect(released.status).toMatchObject({ taskSucceed: 1, replicas: 0 });
    // Release deleted the task on the pod's executor (setTasks []), which forgot it, files and all.
    expect(await executorTasks(pod!)).toEqual([]);
    expect(await execInPod(ns.namespace, pod!, 'task-executor', `ls -A ${DATA_DIR}`)).toBe('');

    // What the task wrote, it wrote in the main container's filesystem, with that container's environment
    // (the marker and TARGET_VAR, not the executor's variables) plus its own, and the pod's hostname.
    const env = (await execInPod(ns.namespace, pod!, MAIN, 'cat /tmp/task-env')).split('\n');
    expect(env).toEqual(expect.arrayContaining(['TARGET_VAR=hello-from-target', 'TASK_VAR=from-the-task', `SANDBOX_MAIN_CONTAINER=${MAIN}`]));
    expect(env.filter((line) => line.startsWith('EXECUTOR_ONLY=') || line.startsWith('ENABLE_SIDECAR_MODE='))).toEqual([]);
    expect((await execInPod(ns.namespace, pod!, MAIN, 'cat /tmp/task-hostname')).trim()).toBe(pod);
    await expect(execInPod(ns.namespace, pod!, 'task-executor', 'cat /tmp/task-env')).rejects.toThrow();

    // The pod is back in the pool (Noop: the same pod, its executor empty).
    await ns.waitForStablePool('sidecars', (s) => s.allocated === 0 && s.available >= 1);
    expect(await ns.podsAlive([pod!])).toBe(true);
  }, 240_000);

  it('sidecar mode, Retain: the task’s stdout in the executor’s data directory holds the main container’s TARGET_VAR (and it ran in its workingDir there), the task stays until the sandbox is deleted, and the deletion frees the pod', async () => {
    await ns.waitForStablePool('sidecars', (s) => s.available >= 1);
    await ns.createSandbox(
      aBatchSandbox('env-retain', ns.namespace)
        .poolRef('sidecars')
        .tasks({ spec: { process: { command: ['sh', '-c', 'env; echo "cwd=$(pwd)"'], workingDir: '/tmp' } } })
        .build(),
    );
    const [pod] = await ns.waitForAllocation('env-retain', 1);
    const done = await waitForSandbox('env-retain', 'taskSucceed = 1', (bs) => bs.status?.taskSucceed === 1);
    expect(done.status).toMatchObject({ taskFailed: 0, taskRunning: 0, taskPending: 0 });
    const stdout = await execInPod(ns.namespace, pod!, 'task-executor', `cat ${DATA_DIR}/env-retain-0/stdout.log`);
    expect(stdout.split('\n')).toEqual(expect.arrayContaining(['TARGET_VAR=hello-from-target', 'cwd=/tmp']));
    expect(stdout).not.toContain('EXECUTOR_ONLY');
    expect(await executorTasks(pod!)).toEqual([
      expect.objectContaining({ name: 'env-retain-0', processStatus: { terminated: expect.objectContaining({ exitCode: 0, reason: 'Succeeded' }) } }),
    ]);

    await ns.deleteSandbox('env-retain');
    await ns.waitForSandboxGone('env-retain');
    await waitUntil(async () => (await executorTasks(pod!)).length === 0, { what: 'the task deleted on the executor', timeoutMs: 10_000 });
    await ns.waitForStablePool('sidecars', (s) => s.allocated === 0);
  }, 240_000);

  it('host mode: the executor runs the task in its own container - a short task to Succeed and deleted by Release (upstream task e2e 46, 49), a long one ended at its timeout and counted failed (48), both sandboxes deletable', async () => {
    const created = Date.now();
    await ns.createSandbox(
      aBatchSandbox('host-short', ns.namespace)
        .template(hostTemplate())
        .tasks({ spec: { process: { command: ['sleep', '2'] }, timeoutSeconds: 60 } })
        .taskResourcePolicy('Release')
        .build(),
    );
    await ns.createSandbox(
      aBatchSandbox('host-timeout', ns.namespace)
        .template(hostTemplate())
        .tasks({ spec: { process: { command: ['sleep', '30'] }, timeoutSeconds: 5 } })
        .build(),
    );

    const runningLong = await waitForSandbox('host-timeout', 'taskRunning = 1', (bs) => bs.status?.taskRunning === 1);
    figures.host_created_to_task_running_ms = Date.now() - created;
    const [longPod] = await life.podsOf(runningLong);
    const [task] = await executorTasks(podName(longPod!));
    const startedAt = Date.parse(task!.processStatus!.running!.startedAt);

    const short = await waitForSandbox('host-short', 'taskSucceed = 1', (bs) => bs.status?.taskSucceed === 1);
    expect(short.status).toMatchObject({ taskFailed: 0, taskRunning: 0, taskPending: 0 });
    const [shortPod] = await life.podsOf(short);
    // Release on a sandbox without a pool: the executor forgets the task (46: no task left); the pod stays.
    await waitUntil(async () => (await executorTasks(podName(shortPod!))).length === 0, {
      what: 'the finished task deleted on the executor',
      timeoutMs: 15_000,
    });

    const failed = await waitForSandbox('host-timeout', 'taskFailed = 1', (bs) => bs.status?.taskFailed === 1);
    expect(failed.status).toMatchObject({ taskRunning: 0, taskSucceed: 0 });
    figures.host_timeout_5s_counted_failed_after_start_ms = Date.now() - startedAt;
    const [ended] = await executorTasks(podName(longPod!));
    expect([137, 143]).toContain(ended!.processStatus!.terminated!.exitCode);
    expect(['Failed', 'TaskTimeout']).toContain(ended!.processStatus!.terminated!.reason);
    // The timed-out `sleep 30` is gone from the container (zombies aside: the executor is its pid 1).
    const processes = (await execInPod(ns.namespace, podName(longPod!), 'task-executor', 'cat /proc/[0-9]*/stat 2>/dev/null')).split('\n');
    expect(processes.filter((stat) => stat.includes('(sleep)') && !/\) Z /.test(stat))).toEqual([]);
    figures.host_executor_rss_kb = Number(/VmRSS:\s+(\d+)/.exec(await execInPod(ns.namespace, podName(longPod!), 'task-executor', 'cat /proc/1/status'))![1]);

    await ns.deleteSandbox('host-short');
    await ns.deleteSandbox('host-timeout');
    await ns.waitForSandboxGone('host-short');
    await ns.waitForSandboxGone('host-timeout');
    process.stdout.write(`${JSON.stringify({ figure: 'real-node-tasks', image: realNode.images.taskExecutor, ...figures })}\n`);
  }, 240_000);
});
