// What happens to a pool pod a sandbox gives back (spec §4.5), as one step of a loop the caller drives:
// apply the plan, then call again when the pod changes or retryAfterMs has passed, until the outcome is
// Succeeded (the pod may leave the ledger and be released).
//
//   Delete   the pod is deleted, then released once it is gone.
//   Noop     released as is (whatever the sandbox left in it stays).
//   Restart  PID 1 of each container is made to exit (the restart-config's restartCommand, by pods/exec)
//            so that the kubelet restarts it; released once every container runs again under a new
//            container ID. After maxRetries attempts the pod is deleted instead.
//
// The Restart state lives on the pod, in the restart-record annotation (same JSON as upstream), so a
// restarted worker or a different operator replica carries on where the last one stopped.
import { z } from 'zod';
import type { RecycleStrategy } from '../../api/v1alpha1/pool.js';
import { parsePositiveGoDuration } from '../kube/go-duration.js';
import { epochMs } from '../kube/timestamps.js';
import { isTerminatingPod, type PodDigest } from './pool-observation.js';

export interface RecycleInput {
  /** The Pool's recycleStrategy; absent or of an unknown type means Delete. */
  strategy: RecycleStrategy | undefined;
  /** The pod as observed now (with its restart facts: running containers, restart record); undefined once it is gone. */
  pod: PodDigest | undefined;
  /** The Pool's restart-config annotation (sandbox.opensandbox.io/restart-config), if set. */
  restartConfig: string | undefined;
  /** The sandbox that released the pod: it owns the restart record. */
  sandboxName: string;
  now: Date;
}

/**
 * - Succeeded: the pod may be released (it is back to use, or gone).
 * - Restarting: a restart is under way; apply recordToWrite/execCommand if set, call again later.
 * - Failed: the restart gave up; delete the pod (the fallback), then call again.
 * - NeedDelete: Delete strategy; delete the pod, then call again.
 * Failed and NeedDelete ask for the same action; they stay apart for events and recycle-outcome metrics.
 */
export type RecycleOutcome = 'Succeeded' | 'Restarting' | 'Failed' | 'NeedDelete';

export interface RecyclePlan {
  outcome: RecycleOutcome;
  /**
   * New value of the pod's restart-record annotation. Write it before running execCommand: an attempt is
   * then counted even if the caller dies after the exec, so maxRetries bounds the attempts.
   */
  recordToWrite?: string;
  /** Run `command` in each of `containers` (pods/exec). Exec errors are not fatal: the next call sees whether the restart happened. */
  execCommand?: { containers: string[]; command: string[] };
  /**
   * Restarting: call again after this long even if the pod does not change. Fixes spec §10 B9 (upstream
   * sets no requeue while waiting out the retry interval and relies on pod events).
   */
  retryAfterMs?: number;
  /** Why, for events and logs. */
  message: string;
}

export function planRecycle(input: RecycleInput): RecyclePlan {
  const { pod } = input;
  if (pod === undefined || isTerminatingPod(pod)) return { outcome: 'Succeeded', message: 'pod is gone' };
  switch (input.strategy?.type) {
    case 'Noop':
      return { outcome: 'Succeeded', message: 'Noop recycle: pod reused as is' };
    case 'Restart':
      return planRestart(pod, restartConfigFrom(input.restartConfig), input.sandboxName, input.now);
    default:
      return { outcome: 'NeedDelete', message: 'Delete recycle: pod to be deleted' };
  }
}

// Each field falls back to its default on its own when missing or invalid, as upstream's parsing does.
const restartConfigSchema = z.object({
  blacklist: z.array(z.string()).catch([]),
  /** A Go duration in the annotation; milliseconds once parsed. */
  retryInterval: z.string().transform(parsePositiveGoDuration).pipe(z.number()).catch(30_000),
  maxRetries: z.number().int().min(1).catch(3),
  restartCommand: z.array(z.string()).min(1).catch(['kill', '1']),
});
type RestartConfig = z.infer<typeof restartConfigSchema>;

function restartConfigFrom(annotation: string | undefined): RestartConfig {
  // Not a JSON object at all: every field takes its default.
  return restartConfigSchema.safeParse(parseJson(annotation)).data ?? restartConfigSchema.parse({});
}

// The restart-record annotation, as upstream writes it.
const restartRecordSchema = z.object({
  /** The sandbox whose release started this restart. */
  id: z.string(),
  startTime: z.string(),
  /** Container name → container ID when the restart started. */
  containers: z.record(z.string(), z.string()),
  lastRetryTime: z.string().optional(),
  retryCount: z.number().int().min(0).default(0),
});
type RestartRecord = z.infer<typeof restartRecordSchema>;

function planRestart(pod: PodDigest, config: RestartConfig, sandboxName: string, now: Date): RecyclePlan {
  const intervalMs = config.retryInterval;
  const phase = pod.phase;
  // Upstream retries forever here; a terminated pod can never run again, so it is deleted instead.
  if (phase === 'Succeeded' || phase === 'Failed') {
    return { outcome: 'Failed', message: `pod phase is ${phase}: it cannot be restarted` };
  }
  // Upstream returns an error (retried with backoff); waiting one interval is the durable equivalent.
  if (phase !== 'Running') {
    return { outcome: 'Restarting', retryAfterMs: intervalMs, message: `waiting for pod phase Running (is ${phase ?? 'unset'})` };
  }

  // A record that is absent, unreadable or from an earlier sandbox's release starts a new restart.
  const stored = restartRecordSchema.safeParse(parseJson(pod.restart?.record)).data;
  const record = stored?.id === sandboxName ? stored : newRecord(pod, config, sandboxName, now);
  if (restarted(pod, record)) return { outcome: 'Succeeded', message: 'containers restarted' };

  // Upstream gives up as soon as retryCount reaches maxRetries, so the last attempt gets no time to take
  // effect; here every attempt, the last included, gets a full retry interval.
  const lastRetryMs = epochMs(record.lastRetryTime);
  if (lastRetryMs !== undefined && now.getTime() - lastRetryMs < intervalMs) {
    return {
      outcome: 'Restarting',
      retryAfterMs: lastRetryMs + intervalMs - now.getTime(),
      message: `waiting for restart attempt ${record.retryCount} of ${config.maxRetries}`,
    };
  }
  if (record.retryCount >= config.maxRetries) {
    return { outcome: 'Failed', message: `containers did not restart after ${record.retryCount} attempts` };
  }

  const { id, startTime, containers } = record;
  const attempt: RestartRecord = { id, startTime, containers, lastRetryTime: rfc3339(now), retryCount: record.retryCount + 1 };
  return {
    outcome: 'Restarting',
    recordToWrite: JSON.stringify(attempt),
    execCommand: { containers: Object.keys(containers).sort(), command: config.restartCommand },
    retryAfterMs: intervalMs,
    message: `restart attempt ${attempt.retryCount} of ${config.maxRetries}`,
  };
}

/** The containers to restart: those running now, unless blacklisted, with their current IDs. */
function newRecord(pod: PodDigest, config: RestartConfig, sandboxName: string, now: Date): RestartRecord {
  const containers: Record<string, string> = {};
  for (const [name, id] of Object.entries(pod.restart?.running ?? {})) {
    if (!config.blacklist.includes(name)) containers[name] = id;
  }
  return { id: sandboxName, startTime: rfc3339(now), containers, retryCount: 0 };
}

/** Every recorded container runs again under a new ID (true when nothing was to be restarted). */
function restarted(pod: PodDigest, record: RestartRecord): boolean {
  const running = pod.restart?.running ?? {};
  return Object.entries(record.containers).every(([name, oldId]) => Object.hasOwn(running, name) && running[name] !== oldId);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whole seconds, as upstream writes time.RFC3339. */
function rfc3339(time: Date): string {
  return time.toISOString().replace(/\.\d+Z$/, 'Z');
}
