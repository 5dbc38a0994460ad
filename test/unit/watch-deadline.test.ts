import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListWatch, type KubernetesObject, type Watch } from '@kubernetes/client-node';
import { createLogger } from '../../kernel/logger.js';
import { withWatchDeadline, type WatchFunction } from '../../watchers/watch-deadline.js';

// Fault injection: watch requests a real apiserver cannot produce (one that never settles, a stream that
// goes silent without ending), scripted per call.
type Callback = Parameters<WatchFunction>[2];
type Done = Parameters<WatchFunction>[3];

interface ScriptedWatch {
  /** Settles the request: the response has started. */
  start(): AbortController;
  fail(err: Error): void;
  event(phase: string, obj: unknown): void;
  end(err: unknown): void;
}

function scriptedWatches() {
  const calls: ScriptedWatch[] = [];
  const watch: WatchFunction = (_path, _query, callback: Callback, done: Done) =>
    new Promise<AbortController>((resolve, reject) => {
      calls.push({
        start: () => {
          const controller = new AbortController();
          resolve(controller);
          return controller;
        },
        fail: reject,
        event: (phase, obj) => callback(phase, obj),
        end: done,
      });
    });
  return { watch, calls };
}

const IDLE_MS = 40;
const log = createLogger('silent');
const pod = (name: string, resourceVersion: string): KubernetesObject => ({ metadata: { name, namespace: 'ns', resourceVersion } });

/** A guarded watch opened on a scripted request; what it hands on and how it ends are recorded. */
function openGuardedWatch() {
  const { watch, calls } = scriptedWatches();
  const ended: unknown[] = [];
  const seen: string[] = [];
  const guarded = withWatchDeadline(watch, { kind: 'Pod', log, idleMs: IDLE_MS });
  const request = guarded(
    '/api/v1/pods',
    {},
    (phase) => seen.push(phase),
    (err) => ended.push(err),
  );
  return { request, scripted: calls[0]!, ended, seen };
}

describe('withWatchDeadline', () => {
  it('ends a watch whose request never settles: a timeout, once, and the caller is no longer kept waiting', async () => {
    const { request, scripted, ended } = openGuardedWatch();

    const given = await request;
    expect(given.signal.aborted).toBe(true);
    expect(ended).toHaveLength(1);
    expect((ended[0] as Error).name).toBe('TimeoutError');

    // The stuck request settling later is closed, and its late end and events go nowhere.
    const late = scripted.start();
    await sleep(0);
    expect(late.signal.aborted).toBe(true);
    scripted.end(null);
    expect(ended).toHaveLength(1);
  });

  it('ends a started watch that goes silent, aborting its request and dropping what it says afterwards', async () => {
    const { request, scripted, ended, seen } = openGuardedWatch();
    const controller = scripted.start();
    expect(await request).toBe(controller);
    scripted.event('ADDED', pod('a', '1'));

    await sleep(IDLE_MS * 3);
    expect(controller.signal.aborted).toBe(true);
    expect(ended.map((err) => (err as Error).name)).toEqual(['TimeoutError']);
    scripted.event('MODIFIED', pod('a', '2'));
    expect(seen).toEqual(['ADDED']);
  });

  it('leaves a watch alone while it delivers, and passes its own end through once', async () => {
    const { request, scripted, ended, seen } = openGuardedWatch();
    const controller = scripted.start();
    await request;
    for (let i = 0; i < 6; i++) {
      await sleep(IDLE_MS / 2);
      scripted.event('MODIFIED', pod('a', String(i)));
    }
    scripted.end(null);
    await sleep(IDLE_MS * 2);
    expect(seen).toHaveLength(6);
    expect(ended).toEqual([null]);
    expect(controller.signal.aborted).toBe(false);
  });

  it('passes a request that fails to start through, and never times it out afterwards', async () => {
    const { request, scripted, ended } = openGuardedWatch();
    scripted.fail(new Error('No currently active cluster'));
    await expect(request).rejects.toThrow('No currently active cluster');
    await sleep(IDLE_MS * 2);
    expect(ended).toEqual([]);
  });

  it("gets client-node's ListWatch past a request that never settles: it reconnects and its cache moves on", async () => {
    const { watch, calls } = scriptedWatches();
    const guarded = withWatchDeadline(watch, { kind: 'Pod', log, idleMs: IDLE_MS });
    const list = async () => ({ metadata: { resourceVersion: '10' }, items: [pod('a', '10')] });
    const informer = new ListWatch<KubernetesObject>('/api/v1/pods', { watch: guarded } as Pick<Watch, 'watch'> as Watch, list, false);
    await informer.start();
    try {
      // The first watch request hangs; the deadline ends it and the ListWatch opens a second one.
      const stuck = calls[0]!;
      for (let waited = 0; calls.length < 2 && waited < 2_000; waited += 10) await sleep(10);
      expect(calls).toHaveLength(2);
      calls[1]!.start();
      calls[1]!.event('ADDED', pod('b', '11'));
      expect(
        informer
          .list('ns')
          .map((p) => p.metadata?.name)
          .sort(),
      ).toEqual(['a', 'b']);
      // The stuck request waking up later changes nothing.
      stuck.start();
      stuck.event('ADDED', pod('ghost', '12'));
      expect(informer.get('ghost', 'ns')).toBeUndefined();
      expect(informer.latestResourceVersion()).toBe('11');
    } finally {
      await informer.stop();
    }
  });
});
