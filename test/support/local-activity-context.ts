// Runs code as a local activity would run it (the SDK's own Context in its async-local storage), for
// calling an operator activity directly against the real apiserver without a worker.
import { asyncLocalStorage, Context, type Info } from '@temporalio/activity';
import { noopMetricMeter, type Logger } from '@temporalio/common';

const quiet: Logger = { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export function asLocalActivity<T>(activityType: string, fn: () => Promise<T>): Promise<T> {
  const info = { activityType, isLocal: true, attempt: 1 } as Info;
  const context = new Context(info, new Promise<never>(() => {}), new AbortController().signal, () => {}, undefined, quiet, noopMetricMeter, {});
  return asyncLocalStorage.run(context, fn);
}
