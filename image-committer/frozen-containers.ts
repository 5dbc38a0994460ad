// The containers this committer froze and has not thawed yet. Whatever happens - a failed step, SIGTERM
// from the kubelet when the Job or the sandbox is deleted - each one is thawed before the process exits:
// a frozen sandbox is worse than a failed snapshot.
import { spawnSync } from 'node:child_process';
import { freeze, thaw, type ContainerdEndpoint } from './container-task.js';
import { errorLines } from './node-tool.js';

export class FrozenContainers {
  private readonly ids = new Set<string>();

  constructor(private readonly endpoint: ContainerdEndpoint) {}

  /** Runs `whileFrozen` with the container frozen; thaws it after, also when `whileFrozen` fails. */
  async whileFrozen<T>(id: string, whileFrozen: () => Promise<T>): Promise<{ value: T; frozenMs: number }> {
    this.ids.add(id);
    const start = performance.now();
    try {
      await freeze(this.endpoint, id);
    } catch (err) {
      // A freeze that failed half way may still have stopped the container.
      await thaw(this.endpoint, id).catch(() => {});
      this.ids.delete(id);
      throw err;
    }
    let value: T;
    try {
      value = await whileFrozen();
    } finally {
      await thaw(this.endpoint, id);
      this.ids.delete(id);
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
      else this.ids.delete(id);
    }
    return failures;
  }
}
