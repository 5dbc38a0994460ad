// The project's task-executor program (task-executor/, bundled exactly as its image carries it) run as a
// local process in host mode on a free loopback port with a temporary data directory: the upstream task
// e2e cases 46, 48 and 49 against its API (spec §8), the API's answers and errors (§3.2), the process
// runtime's files, environment and working directory (§3.4), and the recovery of persisted tasks when the
// executor restarts (§3.3).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { bundleTaskExecutor } from '../../images/task-executor-image.js';
import { freePort } from '../../stack/free-port.js';
import { waitUntil } from '../../stack/wait-until.js';

interface ApiTask {
  name: string;
  process?: { command: string[]; args?: string[]; timeoutSeconds?: number };
  processStatus?: {
    waiting?: { reason?: string };
    running?: { startedAt: string };
    terminated?: { exitCode: number; reason?: string; startedAt?: string; finishedAt: string };
  };
  deletionTimestamp?: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'task-executor-test-'));
const program = join(scratch, 'task-executor.cjs');
const running = new Set<LocalExecutor>();

class LocalExecutor {
  private exited: Promise<number | null>;
  output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly dataDir: string,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(dataDir: string, env: Record<string, string> = {}): Promise<LocalExecutor> {
    const port = await freePort();
    const child = spawn(process.execPath, [program, '-data-dir', dataDir, '-listen-addr', `127.0.0.1:${port}`], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const executor = new LocalExecutor(child, `http://127.0.0.1:${port}`, dataDir);
    running.add(executor);
    await waitUntil(async () => (await fetch(`${executor.url}/health`)).ok, {
      what: `the task-executor on port ${port}`,
      timeoutMs: 15_000,
      assert: () => {
        if (child.exitCode !== null) throw new Error(`the task-executor exited ${child.exitCode}: ${executor.output}`);
      },
    });
    return executor;
  }

  /** SIGTERM; resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    const code = await this.exited;
    running.delete(this);
    return code;
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; text: string }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  }

  async setTasks(tasks: unknown[]): Promise<ApiTask[]> {
    const res = await this.call('POST', '/setTasks', tasks);
    if (res.status !== 200) throw new Error(`setTasks: HTTP ${res.status} ${res.text}`);
    return res.body as ApiTask[];
  }

  async tasks(): Promise<ApiTask[]> {
    return (await this.call('GET', '/getTasks')).body as ApiTask[];
  }

  async waitForTask(name: string, what: string, check: (task: ApiTask | undefined) => boolean, timeoutMs = 15_000): Promise<ApiTask | undefined> {
    let last: ApiTask | undefined;
    await waitUntil(
      async () => {
        last = (await this.tasks()).find((t) => t.name === name);
        return check(last);
      },
      { what: `task ${name}: ${what} (last ${JSON.stringify(last)})`, timeoutMs, intervalMs: 100 },
    );
    return last;
  }

  taskFile(task: string, file: string): string {
    return join(this.dataDir, task, file);
  }
}

function newDataDir(): string {
  const dir = join(scratch, `data-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  return dir;
}

/**
 * Whether a process of the task's process group (the shim and its command) still runs. Zombies do not
 * count: on a machine whose first process does not reap orphans, they stay until it does.
 */
function groupAlive(pgid: number): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(pgrp) === pgid && state !== 'Z';
      } catch {
        return false;
      }
    });
}

beforeAll(async () => {
  writeFileSync(program, await bundleTaskExecutor(), { mode: 0o755 });
});

afterEach(async () => {
  for (const executor of running) {
    // Whatever a failed test left running: its tasks' process groups, then the executor.
    for (const task of await executor.tasks().catch(() => [] as ApiTask[])) {
      try {
        process.kill(-Number(readFileSync(executor.taskFile(task.name, 'pid'), 'utf8')), 'SIGKILL');
      } catch {
        // never started, or gone
      }
    }
    await executor.stop();
  }
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sleepTask = (name: string, seconds: number, timeoutSeconds?: number) => ({
  name,
  process: { command: ['sleep', String(seconds)], ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) },
});

describe('task-executor as a local process (host mode)', () => {
  it('runs a short task to Succeeded, and after setTasks [] no task is left within 5 s (upstream task e2e 46)', async () => {
    const executor = await LocalExecutor.start(newDataDir());
    const sent = Date.now();
    const [created] = await executor.setTasks([sleepTask('short', 2)]);
    const answeredMs = Date.now() - sent;
    expect(created).toMatchObject({ name: 'short', process: { command: ['sleep', '2'] } });
    expect(created!.processStatus?.running?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created).not.toHaveProperty('deletionTimestamp');

    const done = await executor.waitForTask('short', 'terminated', (t) => t?.processStatus?.terminated !== undefined);
    expect(done!.processStatus!.terminated).toMatchObject({ exitCode: 0, reason: 'Succeeded' });
    const { startedAt, finishedAt } = done!.processStatus!.terminated!;
    const ranMs = Date.parse(finishedAt) - Date.parse(startedAt!);
    expect(ranMs).toBeGreaterThanOrEqual(1000);
    expect(ranMs).toBeLessThanOrEqual(4000);
    expect(readFileSync(executor.taskFile('short', 'exit'), 'utf8')).toBe('0');

    const removedAt = Date.now();
    // The answer of a sync still lists the task, now marked for deletion (the mark is never shown).
    const [marked] = await executor.setTasks([]);
    expect(marked).not.toHaveProperty('deletionTimestamp');
    await waitUntil(async () => (await executor.tasks()).length === 0, { what: 'no task left', timeoutMs: 5_000, intervalMs: 50 });
    expect(existsSync(join(executor.dataDir, 'short'))).toBe(false);
    process.stdout.write(`${JSON.stringify({ figure: 'task-executor-local', setTasks_answered_ms: answeredMs, deleted_after_ms: Date.now() - removedAt })}\n`);
  });

  it('ends a task at its timeout: terminated within 15 s with 137 or 143 and reason Failed or TaskTimeout, its processes gone, and it is deletable (upstream task e2e 48)', async () => {
    const executor = await LocalExecutor.start(newDataDir());
    const sent = Date.now();
    await executor.setTasks([sleepTask('slow', 30, 5)]);
    const pid = Number(readFileSync(executor.taskFile('slow', 'pid'), 'utf8'));
    expect(groupAlive(pid)).toBe(true);
    const ended = await executor.waitForTask('slow', 'terminated', (t) => t?.processStatus?.terminated !== undefined, 15_000);
    const elapsedMs = Date.now() - sent;
    expect(elapsedMs).toBeGreaterThanOrEqual(5_000);
    expect([137, 143]).toContain(ended!.processStatus!.terminated!.exitCode);
    expect(['Failed', 'TaskTimeout']).toContain(ended!.processStatus!.terminated!.reason);
    // The shim forwarded the TERM: `sleep 30` went with it.
    await waitUntil(async () => !groupAlive(pid), { what: 'the timed-out task’s processes gone', timeoutMs: 5_000 });

    await executor.setTasks([]);
    await waitUntil(async () => (await executor.tasks()).length === 0, { what: 'the task deleted', timeoutMs: 5_000 });
    process.stdout.write(`${JSON.stringify({ figure: 'task-executor-local-timeout', timeout_s: 5, terminated_after_ms: elapsedMs })}\n`);
  });

  it('lets a task end before its timeout: exit 0, Succeeded, and it is deletable (upstream task e2e 49)', async () => {
    const executor = await LocalExecutor.start(newDataDir());
    await executor.setTasks([sleepTask('in-time', 2, 60)]);
    const done = await executor.waitForTask('in-time', 'terminated', (t) => t?.processStatus?.terminated !== undefined);
    expect(done!.processStatus!.terminated).toMatchObject({ exitCode: 0, reason: 'Succeeded' });
    await executor.setTasks([]);
    await waitUntil(async () => (await executor.tasks()).length === 0, { what: 'the task deleted', timeoutMs: 5_000 });
  });

  it('runs the command with its args under a shell-safe command line, the executor environment plus the task env, in workingDir, stdout and stderr in the task’s log files', async () => {
    const executor = await LocalExecutor.start(newDataDir(), { EXECUTOR_VAR: 'from-executor', SHARED: 'executor' });
    const workDir = mkdtempSync(join(scratch, 'work-'));
    await executor.setTasks([
      {
        name: 'env',
        process: {
          command: ['sh', '-c'],
          args: [`echo "$EXECUTOR_VAR $SHARED $TASK_VAR $(pwd)"; echo 'it''s' "$1"; echo to-stderr >&2; exit 3`, 'arg0', "a 'quoted' $arg"],
          env: [
            { name: 'TASK_VAR', value: 'from-task' },
            { name: 'SHARED', value: 'task' },
          ],
          workingDir: workDir,
        },
      },
    ]);
    const done = await executor.waitForTask('env', 'terminated', (t) => t?.processStatus?.terminated !== undefined);
    expect(done!.processStatus!.terminated).toMatchObject({ exitCode: 3, reason: 'Failed' });
    expect(readFileSync(executor.taskFile('env', 'stdout.log'), 'utf8')).toBe(`from-executor task from-task ${workDir}\nits a 'quoted' $arg\n`);
    expect(readFileSync(executor.taskFile('env', 'stderr.log'), 'utf8')).toBe('to-stderr\n');
  });

  it('answers the API as upstream: /health, 404 for unknown paths and tasks, 405 for other methods, 400 for bad JSON, 500 for a second active task, 201/400/500 on POST /tasks, 204 on DELETE', async () => {
    const executor = await LocalExecutor.start(newDataDir());
    expect(await executor.call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'healthy' } });
    expect(await executor.call('GET', '/nothing')).toMatchObject({ status: 404, body: { code: 'Not Found' } });
    expect(await executor.call('GET', '/tasks/unknown')).toMatchObject({ status: 404, body: { code: 'Not Found' } });
    expect(await executor.call('PUT', '/setTasks', [])).toMatchObject({ status: 405, body: { code: 'Method Not Allowed' } });
    expect(await executor.call('GET', '/getTasks')).toMatchObject({ status: 200, body: [] });

    const badJson = await executor.call('POST', '/setTasks', '[{"name": ');
    expect(badJson).toMatchObject({ status: 400, body: { code: 'Bad Request' } });
    expect((badJson.body as { message: string }).message).toMatch(/^invalid request body/);
    expect(await executor.call('POST', '/setTasks', '{"name":"not-a-list"}')).toMatchObject({ status: 400, body: { code: 'Bad Request' } });
    expect(await executor.call('POST', '/setTasks', [{ name: 7 }])).toMatchObject({ status: 400 });

    // A nameless task is ignored; null is the empty set.
    expect(await executor.call('POST', '/setTasks', [{ process: { command: ['true'] } }])).toMatchObject({ status: 200, body: [] });
    expect(await executor.call('POST', '/setTasks', 'null')).toMatchObject({ status: 200, body: [] });

    await executor.setTasks([sleepTask('first', 30)]);
    const second = await executor.call('POST', '/setTasks', [sleepTask('first', 30), sleepTask('second', 1)]);
    expect(second).toMatchObject({ status: 500, body: { code: 'Internal Server Error' } });
    expect((second.body as { message: string }).message).toContain('maximum concurrent tasks (1) reached');
    expect((await executor.tasks()).map((t) => [t.name, t.processStatus?.running !== undefined])).toEqual([['first', true]]);

    expect(await executor.call('POST', '/tasks', { process: { command: ['true'] } })).toMatchObject({
      status: 400,
      body: { message: 'task name is required' },
    });
    expect(await executor.call('POST', '/tasks', sleepTask('first', 1))).toMatchObject({
      status: 500,
      body: { message: 'failed to create task: task first already exists' },
    });
    expect(await executor.call('POST', '/tasks', sleepTask('third', 1))).toMatchObject({ status: 500 });
    expect(await executor.call('POST', '/tasks', { name: '..', process: { command: ['true'] } })).toMatchObject({ status: 500 });
    expect(await executor.call('POST', '/tasks', { name: 'container', podTemplateSpec: { spec: {} } })).toMatchObject({ status: 500 });

    expect(await executor.call('DELETE', '/tasks/unknown')).toMatchObject({ status: 204, text: '' });
    expect(await executor.call('DELETE', '/tasks/first')).toMatchObject({ status: 204, text: '' });
    await waitUntil(async () => (await executor.call('GET', '/tasks/first')).status === 404, { what: 'the deleted task stopped and gone', timeoutMs: 12_000 });

    // The slot is free again: POST /tasks creates, 201 with the task.
    const created = await executor.call('POST', '/tasks', sleepTask('third', 1));
    expect(created).toMatchObject({ status: 201, body: { name: 'third', process: { command: ['sleep', '1'] } } });
    expect(await executor.call('GET', '/tasks/third')).toMatchObject({ status: 200, body: { name: 'third' } });
  });

  it('stops a deleted running task with SIGTERM through the shim, its command included, and then forgets it', async () => {
    const executor = await LocalExecutor.start(newDataDir());
    await executor.setTasks([sleepTask('doomed', 60)]);
    const pid = Number(readFileSync(executor.taskFile('doomed', 'pid'), 'utf8'));
    await executor.setTasks([]);
    await waitUntil(async () => !groupAlive(pid), { what: 'the task’s processes gone', timeoutMs: 12_000 });
    await waitUntil(async () => (await executor.tasks()).length === 0, { what: 'the task forgotten', timeoutMs: 5_000 });
  });

  it('recovers persisted tasks on restart: a finished one and one still running are kept, one whose process is gone is dropped and can be created again', async () => {
    const dataDir = newDataDir();
    const first = await LocalExecutor.start(dataDir);
    await first.setTasks([{ name: 'finished', process: { command: ['true'] } }]);
    await first.waitForTask('finished', 'succeeded', (t) => t?.processStatus?.terminated?.exitCode === 0);
    await first.setTasks([{ name: 'finished', process: { command: ['true'] } }, sleepTask('survivor', 3)]);
    expect(await first.stop()).toBe(0);

    // The survivor's process outlives its executor (as it would in host mode only with the container).
    const second = await LocalExecutor.start(dataDir);
    const recovered = await second.tasks();
    expect(recovered.map((t) => t.name).sort()).toEqual(['finished', 'survivor']);
    expect(recovered.find((t) => t.name === 'finished')!.processStatus!.terminated).toMatchObject({ exitCode: 0, reason: 'Succeeded' });
    expect(recovered.find((t) => t.name === 'survivor')!.processStatus!.running).toBeDefined();
    // Not the new executor's child, the survivor still reports its end through the exit file.
    await second.waitForTask('survivor', 'succeeded', (t) => t?.processStatus?.terminated?.exitCode === 0, 10_000);

    // A running task whose process dies with its executor (as a container restart does) is dropped.
    // The desired set keeps the two finished tasks: leaving them out would delete them.
    await second.setTasks([{ name: 'finished', process: { command: ['true'] } }, sleepTask('survivor', 3), sleepTask('lost', 60)]);
    const pid = Number(readFileSync(second.taskFile('lost', 'pid'), 'utf8'));
    expect(await second.stop()).toBe(0);
    process.kill(-pid, 'SIGKILL');
    await waitUntil(async () => !groupAlive(pid), { what: 'the lost task killed', timeoutMs: 5_000 });
    expect(JSON.parse(readFileSync(join(dataDir, 'lost', 'task.json'), 'utf8'))).toMatchObject({ name: 'lost', status: { state: 'Running' } });

    const third = await LocalExecutor.start(dataDir);
    expect((await third.tasks()).map((t) => t.name)).toEqual(['finished', 'survivor'].sort());
    expect(existsSync(join(dataDir, 'lost'))).toBe(false);
    expect(third.output).toContain('Dropped a task whose process was lost');
    // The controller, finding no task, sends it again: it runs anew.
    await third.setTasks([sleepTask('lost', 1)]);
    await third.waitForTask('lost', 'succeeded', (t) => t?.processStatus?.terminated?.exitCode === 0);
  });

  it('exits 0 on SIGTERM and 2 on a bad setting, naming it', async () => {
    const executor = await LocalExecutor.start(newDataDir());
    expect(await executor.stop()).toBe(0);
    expect(executor.output).toContain('"msg":"HTTP server stopped"');

    const bad = spawn(process.execPath, [program, '-listen-addr', 'nowhere'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    bad.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    expect(code).toBe(2);
    expect(out).toContain('LISTEN_ADDR (-listen-addr): expected host:port');
  });
});
