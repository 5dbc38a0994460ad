// Polls a readiness probe until it passes, the deadline passes, or the process it waits for dies.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedProcess } from './managed-process.js';

export interface WaitOptions {
  /** What is awaited, for the timeout message, e.g. `kube-apiserver /readyz`. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /**
   * The process whose readiness is awaited: its early exit fails the wait at once, and a failed
   * wait stops it, so a component that never became ready is not left running untracked.
   */
  process?: ManagedProcess;
  /** Checked before every probe: throwing ends the wait at once (e.g. a child process that exited). */
  assert?: () => void;
}

export async function waitUntil(probe: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  try {
    await poll(probe, opts);
  } catch (err) {
    await opts.process?.stop();
    throw err;
  }
}

async function poll(probe: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    opts.process?.assertRunning();
    opts.assert?.();
    try {
      if (await probe()) return;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const log = opts.process ? `; log ${opts.process.logPath}:\n${opts.process.logTail()}` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${cause}${log}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}
