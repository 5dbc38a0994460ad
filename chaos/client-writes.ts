// The chaos workload's writes, as a well-behaved client makes them through an apiserver restart: retried
// while the apiserver is away (connection errors, 5xx, 429), never on a refusal. A create answered 409
// was made by an earlier attempt whose answer was lost; a delete answered 404 has nothing left to do.
import { setTimeout as sleep } from 'node:timers/promises';
import { isApiStatus, isPermanentApiError } from '../kernel/kube-errors.js';

const RETRY_EVERY_MS = 250;
const GIVE_UP_AFTER_MS = 60_000;

export function createRetrying(create: () => Promise<unknown>): Promise<void> {
  return retrying(create, 409);
}

export function deleteRetrying(remove: () => Promise<unknown>): Promise<void> {
  return retrying(remove, 404);
}

/** Retries a write that has not taken effect yet (patches: the last one wins, so a repeat is harmless). */
export function writeRetrying(write: () => Promise<unknown>): Promise<void> {
  return retrying(write, undefined);
}

async function retrying(write: () => Promise<unknown>, doneStatus: number | undefined): Promise<void> {
  const deadline = performance.now() + GIVE_UP_AFTER_MS;
  for (;;) {
    try {
      await write();
      return;
    } catch (err) {
      if (doneStatus !== undefined && isApiStatus(err, doneStatus)) return;
      if (isPermanentApiError(err) || performance.now() > deadline) throw err;
      await sleep(RETRY_EVERY_MS);
    }
  }
}
