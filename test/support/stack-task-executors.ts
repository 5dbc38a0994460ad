// What the local stack's simulated task-executor of a pod reports (GET /getTasks), read the way the
// operator reads it: through the URL template the stack gives the operator.
import { testStackInfo } from './stack.js';

export interface ExecutorTaskView {
  name: string;
  processStatus: { running?: { startedAt?: string }; terminated?: { exitCode: number; reason: string; startedAt?: string } };
}

export async function executorTasks(namespace: string, pod: string): Promise<ExecutorTaskView[]> {
  const url = testStackInfo().taskExecutorUrl.replace('{namespace}', namespace).replace('{pod}', pod);
  return (await (await fetch(`${url}/getTasks`)).json()) as ExecutorTaskView[];
}
