// The operator as users run it, for integration tests: the bundle the image ships (dist/operator.mjs), with
// its Node flags, as a child process, its output captured and its JSON log lines parsed. Every process started here is
// tracked, so a test's cleanup can SIGKILL whatever a failed test left behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_BUNDLE_PATH } from '../../images/operator-bundle.js';
import { OPERATOR_NODE_FLAGS } from '../../kernel/process-memory.js';
import { REPO_ROOT } from '../../stack/toolchain.js';
import { waitUntil } from '../../stack/wait-until.js';
import { testStackInfo } from './stack.js';

const WORKFLOW_BUNDLE = join(REPO_ROOT, 'dist', 'workflow-bundle.js');
// Every directory the operator bundle draws code from (its imports reach config, kernel and oci too).
const SOURCE_DIRS = ['activities', 'api', 'config', 'images', 'kernel', 'oci', 'operator', 'planners', 'watchers', 'workers', 'workflows'];

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
export function buildIfStale(): void {
  const built = [OPERATOR_BUNDLE_PATH, WORKFLOW_BUNDLE].map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0));
  const sources = Math.max(...SOURCE_DIRS.map((d) => newestSourceMtime(join(REPO_ROOT, d))));
  if (Math.min(...built) > sources) return;
  run([join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  run([join(REPO_ROOT, 'dist', 'workers', 'bundle-workflows.js')]);
  run([join(REPO_ROOT, 'dist', 'images', 'operator-bundle.js')]);
}

export interface OperatorProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout and stderr, to append to a failure message. */
  diagnostics: () => string;
}

const children: ChildProcess[] = [];

/** Only PATH from the test's environment: stray TEMPORAL_* or KUBECONFIG settings must not leak in. */
export function startOperator(args: string[], env: Record<string, string> = {}): OperatorProcess {
  const child = spawn(process.execPath, [...OPERATOR_NODE_FLAGS, OPERATOR_BUNDLE_PATH, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited, diagnostics: () => `\nstdout:\n${stdout}\nstderr:\n${stderr}` };
}

/** The stack connection flags every operator under test needs, plus a free HTTP port. */
export function stackOperatorArgs(taskQueue: string): string[] {
  const stack = testStackInfo();
  return [
    '--kubeconfig',
    stack.kubeconfigPath,
    '--temporal-address',
    stack.temporalAddress,
    '--temporal-namespace',
    stack.temporalNamespace,
    '--temporal-task-queue',
    taskQueue,
    '--http-address',
    '127.0.0.1:0',
    '--task-executor-url',
    stack.taskExecutorUrl,
  ];
}

/** SIGKILLs every operator still running: a failed test must not leave one behind. */
export function killOperators(): void {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Ends a wait on the operator at once when it has exited. */
function assertRunning(operator: OperatorProcess): void {
  if (operator.child.exitCode !== null || operator.child.signalCode !== null) throw new Error('operator exited early');
}

/** The wait's error with the operator's output, which says why it did not get there. */
function withDiagnostics(operator: OperatorProcess): (err: Error) => never {
  return (err) => {
    throw new Error(`${err.message}${operator.diagnostics()}`);
  };
}

/** The port the operator logged it listens on, once it has (fails at once if the process exits). */
export async function httpPortOf(operator: OperatorProcess): Promise<number> {
  let port = 0;
  await waitUntil(
    async () => {
      const line = logLines(operator.stdout()).find((l) => l.msg === 'HTTP server listening');
      port = (line?.address as { port: number } | undefined)?.port ?? 0;
      return port > 0;
    },
    { what: 'the operator to log its HTTP address', timeoutMs: 90_000, assert: () => assertRunning(operator) },
  ).catch(withDiagnostics(operator));
  return port;
}

/** Resolves once /readyz answers 200; the error carries the operator's output. */
export async function waitForReady(operator: OperatorProcess, port: number): Promise<void> {
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, {
    what: '/readyz to answer 200',
    timeoutMs: 60_000,
    intervalMs: 200,
    assert: () => assertRunning(operator),
  }).catch(withDiagnostics(operator));
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
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
