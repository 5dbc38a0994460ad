// Running a task's process (spec §3.4), as upstream's process runtime does:
// - host mode: the shim under /bin/sh with the executor's environment plus the task's, in the task's
//   working directory, in a new process group (a new session);
// - sidecar mode: the main container's first process is the one whose environment holds
//   SANDBOX_MAIN_CONTAINER=<main container name>; the shim gets that process's environment plus the task's
//   and runs through `nsenter -t <pid> --mount --uts --ipc --net --pid -- /bin/sh -c <shim>`, i.e. inside
//   the main container (its files, hostname, network and processes), while the executor keeps the pid of
//   nsenter, which waits for the shim.
// The executor writes `pid` as soon as the process exists; stdout and stderr go to the task's log files
// (appended). Inspect reads the files (task-status.ts decides); stop sends TERM to the shim (in sidecar
// mode the first child of nsenter, else the process group), waits up to 10 s, then KILLs.
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { childrenOf, findProcessWithEnv, isAlive, readEnvironment, signal } from './proc.js';
import { commandLine, shimScript } from './shim.js';
import { inspectProcess, type FileFact, type ProcessFacts } from './task-status.js';
import type { StoredTask, TaskStatus } from './task.js';
import { taskFile } from './task-paths.js';

export const MAIN_CONTAINER_ENV = 'SANDBOX_MAIN_CONTAINER';
const SHELL = '/bin/sh';
const STOP_GRACE_MS = 10_000;
const STOP_POLL_MS = 500;

export interface ProcessRuntimeOptions {
  dataDir: string;
  sidecarMode: boolean;
  mainContainerName: string;
  log: Logger;
  /** The executor's own environment (host mode hands it to tasks). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

/** The first executable `name` on `PATH`. */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

function fileFact(path: string): FileFact | undefined {
  try {
    const { mtimeMs } = statSync(path);
    return { text: readFileSync(path, 'utf8'), mtimeMs };
  } catch {
    return undefined;
  }
}

export class ProcessRuntime {
  private readonly nsenter: string | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;

  constructor(private readonly opts: ProcessRuntimeOptions) {
    this.env = opts.env ?? process.env;
    this.now = opts.now ?? Date.now;
    if (opts.sidecarMode) {
      this.nsenter = findOnPath('nsenter', this.env.PATH);
      if (this.nsenter === undefined) throw new Error(`sidecar mode needs nsenter, which is not on PATH (${this.env.PATH ?? ''})`);
    }
  }

  /** Starts the task's process; throws when it cannot start (nothing is left running then). */
  start(task: StoredTask): void {
    const spec = task.process;
    if (spec === undefined) {
      throw new Error(
        task.podTemplateSpec
          ? `task ${task.name}: container (podTemplateSpec) tasks are not supported, only process tasks`
          : `process spec is required for process executor but task.process is nil (task name: ${task.name})`,
      );
    }
    if (spec.command.length === 0) throw new Error(`no command specified in process spec (task name: ${task.name})`);
    const file = (name: Parameters<typeof taskFile>[2]) => taskFile(this.opts.dataDir, task.name, name);
    const line = commandLine(spec.command, spec.args);
    const taskEnv = Object.fromEntries((spec.env ?? []).filter((e) => e.name !== '').map((e) => [e.name, e.value ?? '']));

    let command: string;
    let args: string[];
    let env: NodeJS.ProcessEnv;
    let cwd: string | undefined;
    if (this.opts.sidecarMode) {
      const marker = `${MAIN_CONTAINER_ENV}=${this.opts.mainContainerName}`;
      const target = findProcessWithEnv(marker);
      if (target === undefined) throw new Error(`failed to resolve target PID: no process found with environment variable ${marker}`);
      let targetEnv: Record<string, string>;
      try {
        targetEnv = readEnvironment(target);
      } catch (err) {
        throw new Error(`failed to read target process environment: ${(err as Error).message}`, { cause: err });
      }
      command = this.nsenter!;
      args = [
        '-t',
        String(target),
        '--mount',
        '--uts',
        '--ipc',
        '--net',
        '--pid',
        '--',
        SHELL,
        '-c',
        shimScript({ commandLine: line, exitPath: file('exit'), workingDir: spec.workingDir }),
      ];
      env = { ...targetEnv, ...taskEnv };
      this.opts.log.info({ task: task.name, targetPid: target }, 'Starting sidecar task');
    } else {
      command = SHELL;
      args = ['-c', shimScript({ commandLine: line, exitPath: file('exit') })];
      env = { ...this.env, ...taskEnv };
      cwd = spec.workingDir || undefined;
      this.opts.log.info({ task: task.name, command: line }, 'Starting host task');
    }

    const stdout = openSync(file('stdout'), 'a', 0o644);
    const stderr = openSync(file('stderr'), 'a', 0o644);
    try {
      const child = spawn(command, args, { env, cwd, stdio: ['ignore', stdout, stderr], detached: true });
      // A process that could not be created has no pid; its error arrives on the next tick.
      child.once('error', (err) => this.opts.log.error({ task: task.name, err }, 'Task process error'));
      if (child.pid === undefined) throw new Error(`failed to start cmd: ${command}${cwd ? ` in ${cwd}` : ''} could not be started`);
      child.once('exit', (code, sig) => this.opts.log.info({ task: task.name, pid: child.pid, code, signal: sig }, 'Task process exited'));
      child.unref();
      try {
        writeFileSync(file('pid'), String(child.pid));
      } catch (err) {
        signal(-child.pid, 'SIGKILL');
        throw new Error(`failed to write pid file: ${(err as Error).message}`, { cause: err });
      }
      this.opts.log.info({ task: task.name, pid: child.pid }, 'Task command started');
    } finally {
      closeSync(stdout);
      closeSync(stderr);
    }
  }

  inspect(task: StoredTask): TaskStatus {
    const facts: ProcessFacts = {};
    // Liveness before the exit file: the shim writes the file, then exits. Read the other way round, a
    // shim finishing in between looked dead without a code (ProcessCrashed, 137; CI saw it once).
    const pid = fileFact(taskFile(this.opts.dataDir, task.name, 'pid'));
    if (pid) facts.pid = { ...pid, alive: isAlive(Number(pid.text.trim())) };
    const exit = fileFact(taskFile(this.opts.dataDir, task.name, 'exit'));
    if (exit) facts.exit = exit;
    return inspectProcess(facts, task.process?.timeoutSeconds, this.now());
  }

  /** TERM to the shim, up to 10 s for the process to go, then KILL to it and its group. */
  async stop(task: StoredTask): Promise<void> {
    let pid: number;
    try {
      pid = Number(readFileSync(taskFile(this.opts.dataDir, task.name, 'pid'), 'utf8').trim());
    } catch {
      return; // never started
    }
    if (!Number.isInteger(pid) || pid <= 0) return;
    // Sidecar: the shim is nsenter's child (nsenter does not pass signals on).
    const target = this.opts.sidecarMode ? childrenOf(pid)[0] : pid;
    const termed = target !== undefined && signal(target, 'SIGTERM');
    if (!termed) signal(-pid, 'SIGTERM');
    this.opts.log.info({ task: task.name, pid, target, group: !termed }, 'Sent SIGTERM to task');
    for (const deadline = this.now() + STOP_GRACE_MS; this.now() < deadline;) {
      if (!isAlive(pid)) return;
      await sleep(STOP_POLL_MS);
    }
    this.opts.log.warn({ task: task.name, pid }, 'Task did not exit after SIGTERM, sending SIGKILL');
    if (target !== undefined) signal(target, 'SIGKILL');
    signal(-pid, 'SIGKILL');
  }
}
