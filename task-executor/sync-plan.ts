// `POST /setTasks` as a desired-state sync (spec §3.3): held tasks missing from the desired set are soft
// deleted (marked, then stopped and forgotten by the reconcile loop); desired names not held are created,
// in the order given. A name already held is left alone: a changed spec for it is ignored, as upstream.
import type { TaskInput } from './task.js';

export interface SyncPlan {
  /** Held, not desired, not already being deleted. */
  softDelete: string[];
  /** Desired, not held (the last entry wins when a name repeats; nameless entries are ignored). */
  create: TaskInput[];
}

export function planSync(held: readonly { name: string; deletionTimestamp?: string }[], desired: readonly TaskInput[]): SyncPlan {
  const wanted = new Map<string, TaskInput>();
  for (const task of desired) if (task.name !== '') wanted.set(task.name, task);
  const heldNames = new Set(held.map((t) => t.name));
  return {
    softDelete: held.filter((t) => !wanted.has(t.name) && t.deletionTimestamp === undefined).map((t) => t.name),
    create: [...wanted.values()].filter((t) => !heldNames.has(t.name)),
  };
}
