// The containers this committer froze and has not thawed yet. Whatever happens - a failed step, SIGTERM
// from the kubelet when the Job or the sandbox is deleted - each one is thawed before the process exits:
// a frozen sandbox is worse than a failed snapshot. A long-lived committer (the node agent) also keeps a
// journal of them on the node's disk, so the next agent thaws what a killed one left frozen.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeze, thaw, type ContainerdEndpoint } from './container-task.js';
import { errorLines } from './node-tool.js';

/** Thawing a container that is not frozen (or gone) is the goal reached. */
export function isAlreadyThawed(err: Error): boolean {
  return /not paused|cannot resume a running process|not found/i.test(err.message);
}

export class FrozenContainers {
  private readonly ids = new Set<string>();

  constructor(
    private readonly endpoint: ContainerdEndpoint,
    private readonly journalDir?: string,
  ) {
    if (journalDir) mkdirSync(journalDir, { recursive: true });
  }

  /** Thaws what the journal says a previous process left frozen; returns the ids it thawed. */
  async thawJournaled(): Promise<string[]> {
    if (!this.journalDir) return [];
    const ids = readdirSync(this.journalDir);
    for (const id of ids) {
      await thaw(this.endpoint, id).catch((err: Error) => {
        if (!isAlreadyThawed(err)) throw err;
      });
      this.forget(id);
    }
    return ids;
  }

  /** Runs `whileFrozen` with the container frozen; thaws it after, also when `whileFrozen` fails. */
  async whileFrozen<T>(id: string, whileFrozen: () => Promise<T>): Promise<{ value: T; frozenMs: number }> {
    this.ids.add(id);
    if (this.journalDir) writeFileSync(join(this.journalDir, id), '');
    const start = performance.now();
    try {
      await freeze(this.endpoint, id);
    } catch (err) {
      // A freeze that failed half way may still have stopped the container.
      await thaw(this.endpoint, id).catch(() => {});
      this.forget(id);
      throw err;
    }
    let value: T;
    try {
      value = await whileFrozen();
    } finally {
      await thaw(this.endpoint, id);
      this.forget(id);
    }
    // Until the thaw returned: that is when the container runs again.
    return { value, frozenMs: performance.now() - start };
  }

  /** For signal handlers: thaws every container still frozen, synchronously; returns what failed. */
  thawAllNow(): string[] {
    const failures: string[] = [];
    for (const id of this.ids) {
      const result = spawnSync(this.endpoint.ctr, ['--address', this.endpoint.socket, '--namespace', this.endpoint.namespace, 'tasks', 'resume', id], {
        timeout: 10_000,
        encoding: 'utf8',
      });
      if (result.status !== 0) failures.push(`${id}: ${errorLines(result.stderr ?? '') || result.error?.message || `exit ${result.status}`}`);
      else this.forget(id);
    }
    return failures;
  }

  private forget(id: string): void {
    this.ids.delete(id);
    if (this.journalDir) rmSync(join(this.journalDir, id), { force: true });
  }
}
