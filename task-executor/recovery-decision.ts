// Startup recovery (spec §3.3): every persisted task is read back and inspected. One that was Pending or
// Running, is not being deleted, and now looks Pending, Failed or NotFound lost its process with the
// previous executor (a container restart): it is dropped, so the controller, finding no task, creates it
// again. Everything else is kept with its fresh status (a deleted one is then stopped and forgotten).
import type { TaskState } from './task.js';

export function dropOnRecovery(persisted: TaskState, deleting: boolean, fresh: TaskState): boolean {
  const wasActive = persisted === 'Pending' || persisted === 'Running';
  const lost = fresh === 'Pending' || fresh === 'Failed' || fresh === 'NotFound';
  return wasActive && !deleting && lost;
}
