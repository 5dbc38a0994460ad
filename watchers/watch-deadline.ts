// A watch that cannot hang. client-node's Watch ends a watch whose stream has been silent for 30 s by
// aborting its request, and counts on the abort to settle it; its ListWatch awaits the request before
// doing anything else. A request that never settles (the kind of stuck HTTP/2 stream undici has had bugs
// about) leaves the ListWatch waiting for good: no error, no reconnect, a cache frozen while the cluster
// moves on. Here a watch that has delivered nothing for `idleMs` (longer than client-node's own timeout,
// which normally ends it first) is ended from outside: reported as a timeout, which makes the ListWatch
// reconnect from its last resourceVersion at once, whatever the stuck request does later.
import { Counter } from 'prom-client';
import type { Logger } from '../kernel/logger.js';

/** client-node's `Watch.watch`: resolves with the request's controller once the response has started. */
export type WatchFunction = (
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  callback: (phase: string, obj: unknown, watchObj?: unknown) => void,
  done: (err: unknown) => void,
) => Promise<AbortController>;

export interface WatchDeadlineOptions {
  /** Kind name for the log line and the metric. */
  kind: string;
  log: Logger;
  idleMs: number;
}

/** Past client-node's 30 s inactivity timeout, so that a healthy quiet watch is always ended by it first. */
export const WATCH_IDLE_DEADLINE_MS = 45_000;

const stallsTotal = new Counter({
  name: 'opensandbox_operator_watch_stalls_total',
  help: 'Watches that delivered nothing and did not end within the deadline, ended by the operator.',
  labelNames: ['kind'],
});

export function withWatchDeadline(watch: WatchFunction, { kind, log, idleMs }: WatchDeadlineOptions): WatchFunction {
  return (path, query, callback, done) => {
    let ended = false;
    let controller: AbortController | undefined;
    let timer: NodeJS.Timeout | undefined;
    let giveUp: (abandoned: AbortController) => void = () => {};
    const givenUp = new Promise<AbortController>((resolve) => (giveUp = resolve));

    const end = (err: unknown): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      done(err);
    };
    const stall = (): void => {
      if (ended) return;
      stallsTotal.inc({ kind });
      log.warn({ kind, path, idleMs, responseStarted: controller !== undefined }, 'Watch stalled: ended it and reconnecting');
      const abandoned = controller ?? new AbortController();
      abandoned.abort();
      // Resolved before `end` runs the ListWatch's reconnect, so that its wait on this watch is over first.
      giveUp(abandoned);
      end(new DOMException(`watch delivered nothing for ${idleMs} ms`, 'TimeoutError'));
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(stall, idleMs);
      timer.unref();
    };

    arm();
    const started = watch(
      path,
      query,
      (phase, obj, watchObj) => {
        if (ended) return;
        arm();
        callback(phase, obj, watchObj);
      },
      end,
    ).then(
      (request) => {
        controller = request;
        // A request that started after it was given up on is not watched by anyone: close it.
        if (ended) request.abort();
        return request;
      },
      (err: unknown) => {
        ended = true;
        clearTimeout(timer);
        throw err;
      },
    );
    return Promise.race([started, givenUp]);
  };
}
