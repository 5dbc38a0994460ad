// Processes as /proc shows them: environments, parents, children, liveness. The executor in sidecar mode
// shares the pod's process namespace (shareProcessNamespace) and finds the main container's process here.
import { readdirSync, readFileSync } from 'node:fs';

/** `/proc/<pid>/environ` (NUL-separated `NAME=value`) → the entries. */
export function parseEnviron(raw: Buffer | string): string[] {
  return raw
    .toString('utf8')
    .split('\0')
    .filter((entry) => entry !== '');
}

/** `NAME=value` entries (later ones win) → an environment object. */
export function environmentOf(entries: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** The fields after the command name in `/proc/<pid>/stat` (`pid (comm) state ppid …`; comm may hold spaces and parentheses). */
function statFields(stat: string): string[] {
  return stat
    .slice(stat.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
}

export function parentPidOf(stat: string): number | undefined {
  const ppid = Number(statFields(stat)[1]);
  return stat.includes(')') && Number.isInteger(ppid) ? ppid : undefined;
}

/** Whether `/proc/<pid>/stat` shows a zombie: it has ended, only its parent has not collected it. */
export function isZombie(stat: string): boolean {
  return stat.includes(')') && statFields(stat)[0] === 'Z';
}

/**
 * Among `candidates` (pid → parent pid), the lowest pid that does not descend from `self`: the main
 * container's first process rather than the tasks this executor entered into it (they inherit its
 * environment, marker included).
 */
export function pickMainProcess(candidates: readonly number[], parents: ReadonlyMap<number, number>, self: number): number | undefined {
  const descendsFromSelf = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parents.get(p), hops++) {
      if (p === self) return true;
    }
    return false;
  };
  return [...candidates].sort((a, b) => a - b).find((pid) => pid !== self && !descendsFromSelf(pid));
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The process whose environment holds `entry` (`NAME=value`), per pickMainProcess. */
export function findProcessWithEnv(entry: string): number | undefined {
  const parents = new Map<number, number>();
  const candidates: number[] = [];
  for (const pid of pids()) {
    const stat = readOrUndefined(`/proc/${pid}/stat`);
    const ppid = stat ? parentPidOf(stat.toString('utf8')) : undefined;
    if (ppid !== undefined) parents.set(pid, ppid);
    const environ = readOrUndefined(`/proc/${pid}/environ`);
    if (environ && parseEnviron(environ).includes(entry)) candidates.push(pid);
  }
  return pickMainProcess(candidates, parents, process.pid);
}

export function readEnvironment(pid: number): Record<string, string> {
  return environmentOf(parseEnviron(readFileSync(`/proc/${pid}/environ`)));
}

/** The direct children of `pid`, oldest first. */
export function childrenOf(pid: number): number[] {
  const listed = readOrUndefined(`/proc/${pid}/task/${pid}/children`);
  if (listed !== undefined) return listed.toString('utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  // Kernels without CONFIG_PROC_CHILDREN: every process's parent.
  return pids().filter((child) => {
    const stat = readOrUndefined(`/proc/${child}/stat`);
    return stat !== undefined && parentPidOf(stat.toString('utf8')) === pid;
  });
}

/**
 * Whether a process with this pid runs (one we may not signal runs too). A zombie has ended: a process
 * whose parent went (an executor restarted) is collected only if the container's first process reaps
 * orphans, and many do not.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  return stat === undefined || !isZombie(stat.toString('utf8'));
}

/** Sends `signal` to a process (or a group: negative pid); false when there was none to send to. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
