// When an entity workflow (one per Pool, one per sandbox with tasks) continues as new. It must happen in a
// quiet moment: a signal that lands while the continue-as-new task completes makes the server reject it
// (UnhandledCommand) and refuse signals as "closing" until a retried task gets through, which stalled pool
// deliveries for 2-5 s. The hard bounds end an endless busy spell.
//
// History is bounded by size too, not only by events: a replica that takes a workflow over after another
// died replays its whole history within one workflow task, and multi-megabyte pool histories took longer
// than the task timeout to replay, so they were thrown away again and again and delivery stalled for
// minutes (issue 13).
import { condition, patched, workflowInfo } from '@temporalio/workflow';

/** History events after which the run continues as new even while busy (the server's limit is 50K). */
const HISTORY_HARD_BOUND = 20_000;
/**
 * History bytes after which the run continues as new in its next quiet moment: a replica taking over
 * replays up to this much in one task (512 KiB took 4.4 s in a freshly restarted replica under chaos).
 * Runs started before the change keep the old bound (patch `history-soft-bound-256k`): replaying them
 * with the new one would decide differently than they did.
 */
const HISTORY_SOFT_BYTES = 256 * 1024;
const HISTORY_SOFT_BYTES_BEFORE = 512 * 1024;
/** History bytes after which it continues as new even while busy. */
const HISTORY_HARD_BYTES = 2 * 1024 * 1024;

export interface ContinueAsNewPolicy {
  /** How long no change may arrive before a due continue-as-new is made. */
  quietMs: number;
  /**
   * How long a run may stay due waiting for quiet; after that it continues as soon as it is ready. Without
   * it, a run under steady churn never found a quiet second and its history grew to the hard bound
   * (950 KB pool histories, 8-10 s take-overs in the chaos run).
   */
  patienceMs?: number;
  /** History bytes after which the run is due; without it, the bound of patch `history-soft-bound-256k`. */
  softBytes?: number;
}

/**
 * History bytes a run carries whatever it does (e.g. a pool's first, whole observation): the soft bound
 * counts only what grew beyond them. Without it, a run whose first observation alone passes the bound
 * (a pool of thousands of pods) would be due at once, every run. Set it from what the history holds
 * (decoded data), never from workflowInfo() read after a local activity, which can differ on replay.
 */
export interface RunBaseline {
  bytes: number;
}

/** The rule before patience and per-policy bounds: wait for a quiet second, however long that takes. */
export const WAIT_FOR_QUIET_SECOND: ContinueAsNewPolicy = { quietMs: 1_000 };

export interface ContinueAsNewCheck {
  /** The run has done the rounds it may (its own bound on history). */
  roundsDone: boolean;
  /** Nothing holds it back now (e.g. no upkeep in flight). */
  ready: boolean;
  /** Whether a change arrived: waiting for quiet ends when one does. */
  changed: () => boolean;
}

export interface ContinueAsNewGate {
  /** The run is due to continue as new: it should let work in flight end and start no more. */
  readonly due: boolean;
  /** True when the run should continue as new now; may wait up to the policy's quietMs for quiet. */
  now(check: ContinueAsNewCheck): Promise<boolean>;
}

export function continueAsNewGate(policy: ContinueAsNewPolicy, baseline: RunBaseline = { bytes: 0 }): ContinueAsNewGate {
  let dueSince: number | undefined;
  return {
    get due() {
      return dueSince !== undefined;
    },
    async now({ roundsDone, ready, changed }) {
      const { continueAsNewSuggested, historyLength, historySize } = workflowInfo();
      if (historyLength >= HISTORY_HARD_BOUND || historySize >= HISTORY_HARD_BYTES) return true;
      const softBytes = policy.softBytes ?? (patched('history-soft-bound-256k') ? HISTORY_SOFT_BYTES : HISTORY_SOFT_BYTES_BEFORE);
      if (!(roundsDone || continueAsNewSuggested || historySize - baseline.bytes >= softBytes)) return false;
      dueSince ??= Date.now();
      if (!ready) return false;
      if (policy.patienceMs !== undefined && Date.now() - dueSince >= policy.patienceMs) return true;
      return !(await condition(changed, policy.quietMs));
    },
  };
}
