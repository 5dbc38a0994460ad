// Stops the local stack and fails the run if any process it started is still alive.
import { readdirSync, readFileSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__OPENSANDBOX_STACK__;
  if (!stack) return;
  const pids = stack.pids;
  const dataDir = stack.dataDir;
  await stack.stop();
  const strays = [...pids.filter(isAlive), ...processesMentioning(dataDir)];
  if (strays.length > 0) {
    throw new Error(`local stack left processes running after teardown: ${[...new Set(strays)].join(', ')}`);
  }
}

// Its own copy of stack/managed-process.ts isProcessAlive: jest loads the teardown without the
// moduleNameMapper that resolves the project's `.js` imports to `.ts`.
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs whose command line mentions the stack's data dir (every component is started with it). */
function processesMentioning(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}
