// Bounded parallelism for activities that call the apiserver or executors once per item.
import { activityInfo, heartbeat } from '@temporalio/activity';

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping result order. Heartbeats after each
 * item, so a worker that dies mid-batch is noticed within the heartbeat timeout, not the start-to-close one
 * (local activities cannot heartbeat, and need not: they die with their workflow task).
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const beat = activityInfo().isLocal ? () => {} : () => heartbeat();
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
      beat();
    }
  });
  await Promise.all(workers);
  return results;
}
