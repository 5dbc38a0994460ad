// A child process of the local stack: output to a log file, own process group (so a server's own
// children die with it), graceful stop with a SIGKILL fallback, and a log tail for error messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ManagedProcessSpec {
  /** Short component name used in errors and log file names, e.g. `kube-apiserver`. */
  name: string;
  command: string;
  args: string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Whether a process with this PID exists (signal 0 probes without signalling). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class ManagedProcess {
  readonly name: string;
  readonly logPath: string;
  readonly pid: number;
  private readonly child: ChildProcess;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  private constructor(spec: ManagedProcessSpec, child: ChildProcess) {
    this.name = spec.name;
    this.logPath = spec.logPath;
    this.child = child;
    if (child.pid === undefined) throw new Error(`${spec.name}: failed to start ${spec.command}`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
    });
  }

  static start(spec: ManagedProcessSpec): ManagedProcess {
    const out = openSync(spec.logPath, 'a');
    try {
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env ?? process.env,
        stdio: ['ignore', out, out],
        detached: true,
      });
      return new ManagedProcess(spec, child);
    } finally {
      closeSync(out);
    }
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Throws a descriptive error (with the log tail) when the process has already exited. */
  assertRunning(): void {
    if (this.exitInfo) {
      const { code, signal } = this.exitInfo;
      throw new Error(`${this.name} exited (code ${code ?? '-'}, signal ${signal ?? '-'}); log ${this.logPath}:\n${this.logTail()}`);
    }
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM to the whole process group, SIGKILL after `graceMs`. Resolves once the process exited. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Reap anything the process left behind in its group.
    this.signalGroup('SIGKILL');
  }

  /** SIGKILL to the whole process group (a crash, not a shutdown). Resolves once the process exited. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signalGroup('SIGKILL');
    await this.exited;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}
