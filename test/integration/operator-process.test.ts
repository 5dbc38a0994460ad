// The operator as users run it: the compiled entry point as a child process, both roles, against
// the stack's kube-apiserver and Temporal. Ready, scrapeable, and a clean exit on SIGTERM; bad
// configuration is refused at start-up with a message naming the key.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../../stack/toolchain.js';
import { waitUntil } from '../../stack/wait-until.js';
import { testStackInfo } from '../support/stack.js';

const ENTRY_POINT = join(REPO_ROOT, 'dist', 'operator', 'main.js');
const WORKFLOW_BUNDLE = join(REPO_ROOT, 'dist', 'workflow-bundle.js');
const SOURCE_DIRS = ['api', 'operator', 'watchers', 'workers', 'workflows', 'activities'];

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function run(args: string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`node ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
}

/** `npm run build`, unless dist/ is newer than every source file. */
function buildIfStale(): void {
  const built = [ENTRY_POINT, WORKFLOW_BUNDLE].map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0));
  const sources = Math.max(...SOURCE_DIRS.map((d) => newestSourceMtime(join(REPO_ROOT, d))));
  if (Math.min(...built) > sources) return;
  run([join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  run([join(REPO_ROOT, 'dist', 'workers', 'bundle-workflows.js')]);
}

interface OperatorProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

/** Only PATH from the test's environment: stray TEMPORAL_* or KUBECONFIG settings must not leak in. */
function startOperator(args: string[], env: Record<string, string> = {}): OperatorProcess {
  const child = spawn(process.execPath, [ENTRY_POINT, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(() => buildIfStale(), 180_000);

afterEach(() => {
  // A failed test must not leave its operator behind.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('operator process', () => {
  it('becomes ready with both roles, serves metrics, and exits 0 on SIGTERM', async () => {
    const stack = testStackInfo();
    const operator = startOperator([
      '--kubeconfig',
      stack.kubeconfigPath,
      '--temporal-address',
      stack.temporalAddress,
      '--temporal-namespace',
      stack.temporalNamespace,
      '--temporal-task-queue',
      `operator-process-${randomUUID()}`,
      '--http-address',
      '127.0.0.1:0',
    ]);
    const diagnostics = () => `\nstdout:\n${operator.stdout()}\nstderr:\n${operator.stderr()}`;
    const alive = async () => {
      if (operator.child.exitCode !== null) throw new Error(`operator exited early${diagnostics()}`);
    };

    let port = 0;
    await waitUntil(
      async () => {
        await alive();
        const line = logLines(operator.stdout()).find((l) => l.msg === 'HTTP server listening');
        port = (line?.address as { port: number } | undefined)?.port ?? 0;
        return port > 0;
      },
      { what: 'the operator to log its HTTP address', timeoutMs: 30_000 },
    );
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;

    expect((await fetch(url('/healthz'))).status).toBe(200);
    await waitUntil(
      async () => {
        await alive();
        return (await fetch(url('/readyz'))).status === 200;
      },
      { what: '/readyz to answer 200', timeoutMs: 60_000, intervalMs: 200 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}${diagnostics()}`);
    });
    expect(await (await fetch(url('/readyz'))).json()).toEqual({ status: 'ready' });
    // The one structured "ready" line (logged by a poll, so it may trail /readyz a little).
    await waitUntil(async () => logLines(operator.stdout()).some((l) => l.msg === 'Operator ready'), {
      what: 'the "Operator ready" log line',
      timeoutMs: 5_000,
    });

    const metrics = await (await fetch(url('/metrics'))).text();
    for (const kind of ['BatchSandbox', 'Pool', 'SandboxSnapshot', 'Pod']) {
      expect(metrics).toContain(`opensandbox_operator_informer_synced{kind="${kind}"} 1`);
    }
    expect(metrics).toContain('# TYPE opensandbox_operator_informer_events_total counter');
    expect(metrics).toContain('# TYPE opensandbox_operator_informer_restarts_total counter');
    expect(metrics).toContain('process_cpu_user_seconds_total');

    operator.child.kill('SIGTERM');
    const exit = await withTimeout(operator.exited, 10_000, 'exit after SIGTERM');
    expect({ ...exit, stderr: operator.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(logLines(operator.stdout()).some((l) => l.msg === 'Operator stopped')).toBe(true);
  }, 120_000);

  const badConfigs: Array<{ args?: string[]; env?: Record<string, string>; names: string }> = [
    { args: ['--temporal-address', 'nope'], names: 'TEMPORAL_ADDRESS (--temporal-address): expected host:port, got "nope"' },
    { env: { LOG_LEVEL: 'loud' }, names: 'LOG_LEVEL (--log-level)' },
    { args: ['--roles', 'dance'], names: 'OPERATOR_ROLES (--roles)' },
    { args: ['--http-address', 'everywhere'], names: 'OPERATOR_HTTP_ADDRESS (--http-address)' },
    { args: ['--frobnicate'], names: 'unknown flag --frobnicate' },
  ];
  it.each(badConfigs)('refuses to start: $names', async ({ args = [], env = {}, names }) => {
    const operator = startOperator(['--kubeconfig', testStackInfo().kubeconfigPath, ...args], env);
    // Generous: loading the operator's modules alone took over 10 s on a 2-core machine under load 15.
    const exit = await withTimeout(operator.exited, 40_000, 'exit on bad configuration');
    expect(exit).toEqual({ code: 2, signal: null });
    expect(operator.stderr()).toContain(`invalid configuration: ${names}`);
    expect(operator.stderr()).not.toMatch(/^\s+at /m); // a message, not a stack trace
  }, 60_000);
});
