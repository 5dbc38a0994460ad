// The task-executors of the local stack's pods (ADR 0005): kwok pods have no processes and their IPs are
// not reachable here, so the stack serves each pod's executor API (spec §3.2) on loopback, under
// `/pods/<namespace>/<pod>/`, and runs its tasks as real local processes, as the executor's host mode
// does (§3.4): the command with its args and env, a timeout that kills it (exit 137, TaskTimeout), at most
// one active task per pod (§3.3), a task removed from the desired set stopped with SIGTERM and forgotten
// once it has ended. The operator reaches it through its executor URL template. Given the cluster, it
// follows its pods: a deleted (or replaced) pod's executor, and the tasks it ran, are gone with it. It
// reads only the pods it has tasks for, once a second, rather than watching every pod: a watch on all
// pods in this process would compete with what the benchmarks measure.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { unlessNotFound } from '../kernel/kube-errors.js';
import { freePort } from './free-port.js';

interface ExecutorTaskInput {
  name: string;
  process?: { command?: string[]; args?: string[]; env?: { name: string; value?: string }[]; workingDir?: string; timeoutSeconds?: number };
}

type ProcessStatus =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; startedAt?: string; finishedAt: string } };

interface RunningTask {
  spec: ExecutorTaskInput;
  child?: ChildProcess;
  status: ProcessStatus;
  timer?: NodeJS.Timeout;
  deleting: boolean;
}

const TIMEOUT_EXIT_CODE = 137;
const POD_SWEEP_MS = 1_000;

export class SimulatedTaskExecutors {
  private readonly pods = new Map<string, Map<string, RunningTask>>();
  /** The UID of each pod with tasks, as first seen: another UID under the name is a new pod. */
  private readonly podUids = new Map<string, string>();
  private sweeper?: NodeJS.Timeout;
  private stopped = false;

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>/pods/{namespace}/{pod}`: the operator's executor URL template. */
    readonly urlTemplate: string,
  ) {}

  static async start(cluster?: KubeConfig): Promise<SimulatedTaskExecutors> {
    const port = await freePort();
    // The handler runs only once the server listens, after `executors` is set.
    const executors: SimulatedTaskExecutors = new SimulatedTaskExecutors(
      createServer((req, res) => void executors.handle(req, res)),
      `http://127.0.0.1:${port}/pods/{namespace}/{pod}`,
    );
    await new Promise<void>((resolve) => executors.server.listen(port, '127.0.0.1', resolve));
    if (cluster) await executors.followPodDeletions(cluster);
    return executors;
  }

  /** A deleted pod takes its executor along: its tasks are killed and forgotten. */
  private async followPodDeletions(kubeConfig: KubeConfig): Promise<void> {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const sweep = async () => {
      for (const [key, tasks] of this.pods) {
        if (tasks.size === 0) continue;
        const [namespace = '', name = ''] = key.split('/');
        const pod = await unlessNotFound(core.readNamespacedPod({ namespace, name })).catch(() => null);
        if (pod === null) continue; // unknown this time: look again next sweep
        const uid = pod?.metadata?.uid;
        const known = this.podUids.get(key);
        if (uid !== undefined && (known === undefined || known === uid)) this.podUids.set(key, uid);
        else this.podGone(key);
      }
      if (!this.stopped) this.sweeper = setTimeout(() => void sweep(), POD_SWEEP_MS);
    };
    this.sweeper = setTimeout(() => void sweep(), POD_SWEEP_MS);
  }

  private podGone(key: string): void {
    for (const task of this.pods.get(key)?.values() ?? []) terminate(task, 'SIGKILL');
    this.pods.delete(key);
    this.podUids.delete(key);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweeper);
    for (const tasks of this.pods.values()) for (const task of tasks.values()) terminate(task, 'SIGKILL');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/pods\/([^/]+)\/([^/]+)\/(setTasks|getTasks|health)$/.exec(req.url ?? '');
    if (!match) return reply(res, 404, { code: 'Not Found', message: `no route ${req.method} ${req.url}` });
    const [, namespace, pod, route] = match;
    const key = `${namespace}/${pod}`;
    const tasks = this.pods.get(key) ?? new Map<string, RunningTask>();
    this.pods.set(key, tasks);
    if (route === 'health') return reply(res, 200, { status: 'healthy' });
    if (route === 'getTasks' && req.method === 'GET') return reply(res, 200, [...tasks.values()].map(report));
    if (route !== 'setTasks' || req.method !== 'POST') return reply(res, 405, { code: 'Method Not Allowed', message: `${req.method} ${req.url}` });
    let desired: ExecutorTaskInput[];
    try {
      desired = JSON.parse(await body(req)) as ExecutorTaskInput[];
      if (!Array.isArray(desired)) throw new Error('not an array');
    } catch (err) {
      return reply(res, 400, { code: 'Bad Request', message: String(err) });
    }
    const error = sync(
      tasks,
      desired.filter((t) => t.name),
    );
    return error ? reply(res, 500, { code: 'Internal Server Error', message: error }) : reply(res, 200, [...tasks.values()].map(report));
  }
}

/** §3.3 Sync: tasks not desired are stopped (and forgotten once ended); new names are started. */
function sync(tasks: Map<string, RunningTask>, desired: ExecutorTaskInput[]): string | undefined {
  const names = new Set(desired.map((t) => t.name));
  for (const [name, task] of tasks) {
    if (names.has(name)) continue;
    task.deleting = true;
    if ('terminated' in task.status) tasks.delete(name);
    else terminate(task, 'SIGTERM');
  }
  for (const spec of desired) {
    if (tasks.has(spec.name)) continue;
    const active = [...tasks.values()].some((t) => !t.deleting && !('terminated' in t.status));
    if (active) return `task ${spec.name} not started: another task is active`;
    tasks.set(
      spec.name,
      start(spec, () => tasks),
    );
  }
  return undefined;
}

function start(spec: ExecutorTaskInput, tasksOfPod: () => Map<string, RunningTask>): RunningTask {
  const startedAt = new Date().toISOString();
  const [command, ...rest] = [...(spec.process?.command ?? []), ...(spec.process?.args ?? [])];
  const task: RunningTask = { spec, status: { running: { startedAt } }, deleting: false };
  if (command === undefined) {
    task.status = { terminated: { exitCode: 1, reason: 'Failed', startedAt, finishedAt: startedAt } };
    return task;
  }
  const env = Object.fromEntries((spec.process?.env ?? []).map((e) => [e.name, e.value ?? '']));
  const child = spawn(command, rest, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore', detached: true });
  task.child = child;
  let timedOut = false;
  const timeout = spec.process?.timeoutSeconds;
  if (timeout !== undefined && timeout > 0) {
    task.timer = setTimeout(() => {
      timedOut = true;
      terminate(task, 'SIGKILL');
    }, timeout * 1000);
  }
  const end = (code: number | null, signal: NodeJS.Signals | null) => {
    clearTimeout(task.timer);
    const finishedAt = new Date().toISOString();
    const exitCode = timedOut ? TIMEOUT_EXIT_CODE : (code ?? 128 + (signal === 'SIGKILL' ? 9 : 15));
    const reason = timedOut ? 'TaskTimeout' : exitCode === 0 ? 'Succeeded' : 'Failed';
    task.status = { terminated: { exitCode, reason, startedAt, finishedAt } };
    if (task.deleting) tasksOfPod().delete(spec.name);
  };
  child.on('exit', end);
  child.on('error', () => end(127, null));
  return task;
}

function terminate(task: RunningTask, signal: NodeJS.Signals): void {
  if (task.child?.pid !== undefined && task.child.exitCode === null && task.child.signalCode === null) {
    // The process group: a shell's children go too.
    try {
      process.kill(-task.child.pid, signal);
    } catch {
      task.child.kill(signal);
    }
  }
}

function report(task: RunningTask): unknown {
  return { name: task.spec.name, ...(task.spec.process ? { process: task.spec.process } : {}), processStatus: task.status };
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
