// The local stack's simulated task-executors (stack/simulated-task-executor.ts) against the executor
// protocol (spec §3.2-3.4, upstream task e2e 46, 48 and 49 in meaning): real local processes behind the
// HTTP API the operator calls.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTaskExecutorClient } from '../../activities/task-executor-client.js';
import { stateOf } from '../../planners/tasks/task-round.js';
import { SimulatedTaskExecutors } from '../../stack/simulated-task-executor.js';
import { waitUntil } from '../../stack/wait-until.js';

let executors: SimulatedTaskExecutors;
beforeAll(async () => {
  executors = await SimulatedTaskExecutors.start();
});
afterAll(() => executors.stop());

function url(pod: string, route: string): string {
  return `${executors.urlTemplate.replace('{namespace}', 'ns').replace('{pod}', pod)}/${route}`;
}

async function setTasks(pod: string, tasks: unknown[]): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url(pod, 'setTasks'), { method: 'POST', body: JSON.stringify(tasks) });
  return { status: res.status, body: await res.json() };
}

async function getTasks(pod: string): Promise<{ name: string; processStatus: Record<string, { exitCode?: number; reason?: string }> }[]> {
  return (await (await fetch(url(pod, 'getTasks'))).json()) as never;
}

const terminated = async (pod: string) => (await getTasks(pod))[0]?.processStatus.terminated;

describe('simulated task executor', () => {
  it('runs a short task to exit 0 (Succeeded), and forgets it once it is no longer desired (upstream 46)', async () => {
    const task = { name: 't-short', process: { command: ['sh', '-c'], args: ['test "$TARGET_VAR" = hello'], env: [{ name: 'TARGET_VAR', value: 'hello' }] } };
    expect((await setTasks('p-short', [task])).status).toBe(200);
    await waitUntil(async () => (await terminated('p-short')) !== undefined, { what: 'the task to end', timeoutMs: 30_000 });
    expect(await terminated('p-short')).toMatchObject({ exitCode: 0, reason: 'Succeeded' });
    await setTasks('p-short', []);
    await waitUntil(async () => (await getTasks('p-short')).length === 0, { what: 'the task to be forgotten', timeoutMs: 30_000 });
  });

  it('kills a task that outlives its timeout: exit 137, TaskTimeout (upstream 48); one within it succeeds (49)', async () => {
    await setTasks('p-slow', [{ name: 't-slow', process: { command: ['sleep', '30'], timeoutSeconds: 1 } }]);
    expect((await getTasks('p-slow'))[0]?.processStatus.running).toBeDefined();
    await waitUntil(async () => (await terminated('p-slow')) !== undefined, { what: 'the timeout', timeoutMs: 10_000 });
    expect(await terminated('p-slow')).toMatchObject({ exitCode: 137, reason: 'TaskTimeout' });

    await setTasks('p-in-time', [{ name: 't-in-time', process: { command: ['sleep', '0.2'], timeoutSeconds: 60 } }]);
    await waitUntil(async () => (await terminated('p-in-time')) !== undefined, { what: 'the task to end', timeoutMs: 30_000 });
    expect(await terminated('p-in-time')).toMatchObject({ exitCode: 0, reason: 'Succeeded' });
  });

  it('stops a running task that is no longer desired, and refuses a second active task', async () => {
    await setTasks('p-busy', [{ name: 't-1', process: { command: ['sleep', '30'] } }]);
    const second = await setTasks('p-busy', [
      { name: 't-1', process: { command: ['sleep', '30'] } },
      { name: 't-2', process: { command: ['true'] } },
    ]);
    expect(second.status).toBe(500);
    await setTasks('p-busy', []);
    await waitUntil(async () => (await getTasks('p-busy')).length === 0, { what: 'the stopped task to be forgotten', timeoutMs: 30_000 });
  });

  // The bounds are generous: a task is a child process of the stack's process, which a loaded CI machine
  // (CI once: a 0.3 s task not seen done within 5 s) may start late; a passing run waits no longer.
  it('serves the operator executor client: setTasks, then reports that read as task states', async () => {
    const client = createTaskExecutorClient(executors.urlTemplate);
    const pod = { namespace: 'ns', name: 'p-client', ip: '10.244.0.9' };
    expect(await client.report(pod)).toBeNull();
    await client.setTasks(pod, [{ name: 'bs-0', process: { command: ['sleep', '0.3'] } }]);
    const first = await client.report(pod);
    expect(first?.task).toBe('bs-0');
    expect(first && stateOf(first.status)).toBe('Running');
    await waitUntil(
      async () => {
        const report = await client.report(pod);
        return report !== null && stateOf(report.status) === 'Succeed';
      },
      { what: 'the task to succeed', timeoutMs: 30_000 },
    );
    await expect(
      client.setTasks(pod, [
        { name: 'bs-1', process: { command: ['sleep', '30'] } },
        { name: 'bs-2', process: { command: ['true'] } },
      ]),
    ).rejects.toThrow(/HTTP 500: task bs-2 not started: another task is active/);
    await client.setTasks(pod, []);
    // An executor that does not answer is no report, not an error.
    expect(await createTaskExecutorClient('http://127.0.0.1:9/{pod}').report(pod)).toBeNull();
  });
});
