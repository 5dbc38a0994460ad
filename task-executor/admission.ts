// Whether a new task may be created (spec §3.3): its name is free and no other task is active (at most
// one Pending or Running task that is not being deleted; finished tasks do not count).
import { isActive } from './task-status.js';
import type { StoredTask } from './task.js';

export const MAX_ACTIVE_TASKS = 1;

/** Why `name` cannot be created next to `tasks`, or undefined when it can. */
export function refusalToCreate(tasks: Iterable<StoredTask>, name: string): string | undefined {
  let active = 0;
  for (const task of tasks) {
    if (task.name === name) return `task ${name} already exists`;
    if (isActive(task)) active++;
  }
  if (active >= MAX_ACTIVE_TASKS) return `maximum concurrent tasks (${MAX_ACTIVE_TASKS}) reached, cannot create new task`;
  return undefined;
}
