import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { register } from 'prom-client';
import { createLogger } from '../../kernel/logger.js';
import { ResourceInformer, type ListWatchLike, type Sleep } from '../../watchers/resource-informer.js';

// Fault injection: a stand-in for client-node's ListWatch whose start() outcomes are scripted.
// Like the real one, it reports a failure through its error callbacks and then stays stopped.
type Outcome = 'ok' | Error | { throws: Error };
// `any`: the one callback list holds both object and error callbacks, as in the real ListWatch.
type Callback = (arg: any) => void;

class FakeListWatch implements ListWatchLike<KubernetesObject> {
  startCalls = 0;
  stopCalls = 0;
  private readonly callbacks = new Map<string, Callback[]>();
  private readonly objects = new Map<string, KubernetesObject>();

  constructor(private readonly outcomes: Outcome[] = []) {}

  on(verb: string, cb: Callback): void {
    this.callbacks.set(verb, [...(this.callbacks.get(verb) ?? []), cb]);
  }

  off(): void {
    throw new Error('not used');
  }

  async start(): Promise<void> {
    this.startCalls++;
    const outcome = this.outcomes.shift() ?? 'ok';
    if (outcome instanceof Error) this.emit('error', outcome);
    else if (outcome !== 'ok') throw outcome.throws;
  }

  async stop(): Promise<void> {
    this.stopCalls++;
    // The real ListWatch aborts its watch request, whose abort then surfaces as an error.
    this.emit('error', new Error('This operation was aborted'));
  }

  get(name: string, namespace?: string): KubernetesObject | undefined {
    return this.objects.get(`${namespace ?? ''}/${name}`);
  }

  list(): ReadonlyArray<KubernetesObject> {
    return [...this.objects.values()];
  }

  /** A watch event arriving. */
  deliver(verb: 'add' | 'update' | 'delete', obj: KubernetesObject): void {
    const key = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`;
    if (verb === 'delete') this.objects.delete(key);
    else this.objects.set(key, obj);
    this.emit(verb, obj);
  }

  /** The open watch failing later (e.g. the API server went away): the ListWatch stops. */
  failWatch(err: Error): void {
    this.emit('error', err);
  }

  private emit(verb: string, arg: unknown): void {
    for (const cb of this.callbacks.get(verb) ?? []) cb(arg);
  }
}

/** Records every requested delay and only lets it elapse when the test says so. */
class ManualSleep {
  readonly delays: number[] = [];
  private readonly pending: Array<() => void> = [];

  readonly sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      this.delays.push(ms);
      this.pending.push(resolve);
      signal.addEventListener('abort', () => reject(new Error('aborted')));
    });

  async elapse(): Promise<void> {
    this.pending.shift()?.();
    await settle();
  }

  get waiting(): number {
    return this.pending.length;
  }
}

/** Lets the promise chains the informer started run to completion. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

let kindCounter = 0;
function setup(outcomes: Outcome[] = [], backoff = { initialMs: 1_000, maxMs: 30_000 }) {
  const kind = `TestKind${++kindCounter}`; // metric labels stay per test
  const listWatch = new FakeListWatch(outcomes);
  const clock = new ManualSleep();
  const informer = new ResourceInformer({ kind, listWatch, log: createLogger('silent'), backoff, sleep: clock.sleep });
  return { kind, listWatch, clock, informer };
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const values = (await register.getSingleMetric(name)!.get()).values;
  const match = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value ?? 0;
}

const pod = (name: string, resourceVersion = '1'): KubernetesObject => ({
  kind: 'Pod',
  metadata: { name, namespace: 'ns', resourceVersion },
});

describe('ResourceInformer', () => {
  it('is synced after a clean start and serves the cache and typed events', async () => {
    const { kind, listWatch, informer } = setup();
    const seen: string[] = [];
    informer.on('add', (obj) => seen.push(`add ${obj.metadata?.name}`));
    informer.on('update', (obj) => seen.push(`update ${obj.metadata?.name}@${obj.metadata?.resourceVersion}`));
    informer.on('delete', (obj) => seen.push(`delete ${obj.metadata?.name}`));
    expect(informer.hasSynced()).toBe(false);

    await informer.start();
    expect(informer.hasSynced()).toBe(true);
    listWatch.deliver('add', pod('a'));
    listWatch.deliver('add', pod('b'));
    listWatch.deliver('update', pod('a', '2'));
    listWatch.deliver('delete', pod('b'));

    expect(seen).toEqual(['add a', 'add b', 'update a@2', 'delete b']);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['a']);
    expect(informer.get('a', 'ns')?.metadata?.resourceVersion).toBe('2');
    expect(await metric('opensandbox_operator_informer_events_total', { kind, event: 'add' })).toBe(2);
    expect(await metric('opensandbox_operator_informer_synced', { kind })).toBe(1);
  });

  it('restarts a failed informer with doubling backoff, then resets the backoff after reconnecting', async () => {
    const boom = (n: number) => Object.assign(new Error(`connect ECONNREFUSED #${n}`), { code: 'ECONNREFUSED' });
    const { kind, listWatch, clock, informer } = setup([boom(1), boom(2), boom(3), 'ok']);

    await informer.start();
    expect(informer.hasSynced()).toBe(false);
    expect(clock.delays).toEqual([1_000]);

    await clock.elapse(); // restart 1 fails
    await clock.elapse(); // restart 2 fails
    expect(clock.delays).toEqual([1_000, 2_000, 4_000]);
    expect(informer.hasSynced()).toBe(false);

    await clock.elapse(); // restart 3 connects
    expect(listWatch.startCalls).toBe(4);
    expect(informer.hasSynced()).toBe(true);
    expect(clock.waiting).toBe(0);
    expect(await metric('opensandbox_operator_informer_errors_total', { kind })).toBe(3);
    expect(await metric('opensandbox_operator_informer_restarts_total', { kind })).toBe(3);

    // Later the watch dies: the next restart waits the initial delay again.
    listWatch.failWatch(new Error('socket hang up'));
    expect(clock.delays).toEqual([1_000, 2_000, 4_000, 1_000]);
    await clock.elapse();
    expect(listWatch.startCalls).toBe(5);
    expect(informer.hasSynced()).toBe(true);
    expect(await metric('opensandbox_operator_informer_restarts_total', { kind })).toBe(4);
  });

  it('caps the backoff', async () => {
    const failures = Array.from({ length: 7 }, (_, i) => new Error(`HTTP 500 #${i}`));
    const { clock, informer } = setup(failures);
    await informer.start();
    for (let i = 0; i < 6; i++) await clock.elapse();
    expect(clock.delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    await clock.elapse();
    expect(informer.hasSynced()).toBe(true);
  });

  it('treats start() throwing (before any request) like a list/watch error', async () => {
    const { kind, listWatch, clock, informer } = setup([{ throws: new Error('cannot read token file') }, 'ok']);
    await informer.start();
    expect(clock.delays).toEqual([1_000]);
    await clock.elapse();
    expect(listWatch.startCalls).toBe(2);
    expect(informer.hasSynced()).toBe(true);
    expect(await metric('opensandbox_operator_informer_errors_total', { kind })).toBe(1);
  });

  it('does not restart once stopped, even with a restart pending', async () => {
    const { kind, listWatch, clock, informer } = setup([new Error('HTTP 503')]);
    await informer.start();
    expect(clock.waiting).toBe(1);

    await informer.stop();
    await settle();
    await clock.elapse();
    expect(listWatch.startCalls).toBe(1);
    expect(listWatch.stopCalls).toBe(1);
    // The abort the stop itself causes is not counted as a failure.
    expect(await metric('opensandbox_operator_informer_errors_total', { kind })).toBe(1);
    expect(await metric('opensandbox_operator_informer_restarts_total', { kind })).toBe(0);
  });

  it('keeps delivering events when a handler throws', async () => {
    const { kind, listWatch, informer } = setup();
    const seen: string[] = [];
    informer.on('add', (obj) => {
      if (obj.metadata?.name === 'bad') throw new Error('malformed annotation');
    });
    informer.on('add', (obj) => seen.push(obj.metadata!.name));
    await informer.start();

    listWatch.deliver('add', pod('bad'));
    listWatch.deliver('add', pod('good'));
    expect(seen).toEqual(['bad', 'good']);
    expect(await metric('opensandbox_operator_informer_handler_errors_total', { kind, event: 'add' })).toBe(1);
  });
});
