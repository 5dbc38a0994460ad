// Bounded parallelism for activities that call the apiserver or executors once per item.
import { activityInfo, heartbeat } from '@temporalio/activity';

/** Liveness heartbeats while a batch runs: an item (an exec) may take longer than the heartbeat timeout. */
const LIVENESS_BEAT_MS = 1_000;

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping result order. Heartbeats after each
 * item and every second meanwhile, so a worker that dies mid-batch is noticed within the (short) heartbeat
 * timeout, not the start-to-close one, however long one item takes (local activities cannot heartbeat,
 * and need not: they die with their workflow task).
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const local = activityInfo().isLocal;
  const beat = local ? () => {} : () => heartbeat();
  const liveness = local ? undefined : setInterval(beat, LIVENESS_BEAT_MS);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
      beat();
    }
  });
  try {
    await Promise.all(workers);
  } finally {
    clearInterval(liveness);
  }
  return results;
}
