// The operator's side of the task-executor protocol (spec §3.2, ADR 0005): `GET /getTasks` and
// `POST /setTasks` on a pod's executor, found through a URL template (`--task-executor-url`, default
// `http://{podIP}:5758`; the local stack serves its simulated executors under another one). Timeouts as
// upstream: 3 s per call. A report is the first task's name and processStatus; an error or an empty list
// is no report, which the planner treats as "nothing known this round".
import type { ExecutorReport, TaskReport } from '../planners/tasks/task-round.js';
import type { ExecutorTask } from '../planners/tasks/task-specs.js';

export const DEFAULT_TASK_EXECUTOR_URL = 'http://{podIP}:5758';
const CALL_TIMEOUT_MS = 3_000;

export interface ExecutorPod {
  namespace: string;
  name: string;
  ip: string;
}

export function executorUrl(template: string, pod: ExecutorPod): string {
  return template.replaceAll('{podIP}', pod.ip).replaceAll('{namespace}', pod.namespace).replaceAll('{pod}', pod.name);
}

export interface TaskExecutorClient {
  /** The pod's task as its executor reports it, or null (no answer, an error, no task). */
  report(pod: ExecutorPod): Promise<ExecutorReport | null>;
  /** Sets the pod's desired tasks (`[]` stops them); throws on a refusal, with the executor's message. */
  setTasks(pod: ExecutorPod, tasks: ExecutorTask[]): Promise<void>;
}

export function createTaskExecutorClient(template = DEFAULT_TASK_EXECUTOR_URL): TaskExecutorClient {
  return {
    async report(pod) {
      try {
        const res = await fetch(`${executorUrl(template, pod)}/getTasks`, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
        if (!res.ok) return null;
        const tasks = (await res.json()) as { name?: string; processStatus?: TaskReport }[];
        const first = Array.isArray(tasks) ? tasks[0] : undefined;
        return first?.name && first.processStatus ? { task: first.name, status: first.processStatus } : null;
      } catch {
        return null;
      }
    },

    async setTasks(pod, tasks) {
      const res = await fetch(`${executorUrl(template, pod)}/setTasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(tasks),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { message?: string };
        throw new Error(`task executor of pod ${pod.namespace}/${pod.name}: HTTP ${res.status}${body.message ? `: ${body.message}` : ''}`);
      }
    },
  };
}
