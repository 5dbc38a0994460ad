// The Event recorder: core/v1 Event fields, aggregation of repeats into count/lastTimestamp, recovery when
// the aggregated Event expired, and failures that never reach the caller.
import { describe, expect, it } from '@jest/globals';
import { ApiException, type CoreV1Event } from '@kubernetes/client-node';
import { createEventRecorder, EVENT_WRITE_CONCURRENCY, type EventRecorderOptions, type InvolvedObject } from '../../kernel/events.js';
import { createLogger } from '../../kernel/logger.js';
import { FakeClock } from '../support/fake-clock.js';

type Core = EventRecorderOptions['core'];
type Call = { verb: 'create'; body: CoreV1Event } | { verb: 'patch'; name: string; body: Record<string, unknown> };

function fakeCore(failures: { create?: Error[]; patch?: Error[] } = {}) {
  const calls: Call[] = [];
  const core = {
    createNamespacedEvent: async ({ body }: { body: CoreV1Event }) => {
      calls.push({ verb: 'create', body: structuredClone(body) });
      const failure = failures.create?.shift();
      if (failure) throw failure;
      return body;
    },
    patchNamespacedEvent: async ({ name, body }: { name: string; body: Record<string, unknown> }) => {
      calls.push({ verb: 'patch', name, body });
      const failure = failures.patch?.shift();
      if (failure) throw failure;
      return {} as CoreV1Event;
    },
  } as unknown as Core;
  return { core, calls };
}

const SANDBOX: InvolvedObject = {
  apiVersion: 'sandbox.opensandbox.io/v1alpha1',
  kind: 'BatchSandbox',
  metadata: { name: 'bs', namespace: 'ns', uid: 'uid-bs', resourceVersion: '7' },
};

function recorder(failures?: Parameters<typeof fakeCore>[0]) {
  const { core, calls } = fakeCore(failures);
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const lines: string[] = [];
  const events = createEventRecorder({ core, clock, log: createLogger('warn', { write: (l: string) => void lines.push(l) }) });
  return { events, calls, clock, lines };
}

describe('event recorder', () => {
  it('writes at most EVENT_WRITE_CONCURRENCY Events at once and the rest in the order they came', async () => {
    let running = 0;
    let most = 0;
    const written: string[] = [];
    const gates: (() => void)[] = [];
    const core = {
      createNamespacedEvent: async ({ body }: { body: CoreV1Event }) => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        written.push(body.message ?? '');
        return body;
      },
      patchNamespacedEvent: async () => ({}) as CoreV1Event,
    } as unknown as Core;
    const events = createEventRecorder({ core, clock: new FakeClock('2026-01-01T00:00:00Z'), log: createLogger('warn', { write: () => undefined }) });
    const messages = Array.from({ length: 10 }, (_, i) => `allocated ${i}`);
    for (const m of messages) events.record({ ...SANDBOX, metadata: { ...SANDBOX.metadata, name: m, uid: m } }, 'Normal', 'Allocated', m);
    const flushed = events.flush();
    while (written.length < messages.length) {
      await new Promise((resolve) => setImmediate(resolve));
      gates.shift()?.();
    }
    await flushed;
    expect(most).toBe(EVENT_WRITE_CONCURRENCY);
    expect(written).toEqual(messages);
  });

  it('writes a core/v1 Event about the object, from the operator', async () => {
    const { events, calls } = recorder();
    events.record(SANDBOX, 'Normal', 'SuccessfulCreate', 'succeed to create pod bs-0');
    await events.flush();
    expect(calls).toHaveLength(1);
    const body = (calls[0] as { body: CoreV1Event }).body;
    expect(body).toMatchObject({
      metadata: { namespace: 'ns' },
      involvedObject: { ...SANDBOX.metadata, apiVersion: SANDBOX.apiVersion, kind: 'BatchSandbox' },
      type: 'Normal',
      reason: 'SuccessfulCreate',
      message: 'succeed to create pod bs-0',
      source: { component: 'opensandbox-operator' },
      reportingComponent: 'opensandbox-operator',
      count: 1,
      firstTimestamp: new Date('2026-01-01T00:00:00Z'),
      lastTimestamp: new Date('2026-01-01T00:00:00Z'),
    });
    expect(body.metadata?.name).toMatch(/^bs\.[0-9a-f]{16}$/);
    expect(body.reportingInstance).toBeTruthy();
  });

  it('aggregates a repeat into count and lastTimestamp of the same Event; another message is another Event', async () => {
    const { events, calls, clock } = recorder();
    events.record(SANDBOX, 'Warning', 'InvalidSpec', 'spec.replicas: too big');
    await clock.advance(30_000);
    events.record(SANDBOX, 'Warning', 'InvalidSpec', 'spec.replicas: too big');
    events.record(SANDBOX, 'Warning', 'InvalidSpec', 'spec.replicas: too big');
    events.record(SANDBOX, 'Warning', 'InvalidSpec', 'spec.template: missing');
    await events.flush();
    const first = (calls[0] as { body: CoreV1Event }).body.metadata.name;
    const patches = calls.filter((c) => c.verb === 'patch');
    expect(patches).toEqual([
      { verb: 'patch', name: first, body: { count: 2, lastTimestamp: '2026-01-01T00:00:30.000Z' } },
      { verb: 'patch', name: first, body: { count: 3, lastTimestamp: '2026-01-01T00:00:30.000Z' } },
    ]);
    const creates = calls.flatMap((c) => (c.verb === 'create' ? [c.body.message] : []));
    expect(creates).toEqual(['spec.replicas: too big', 'spec.template: missing']);
  });

  it('starts the series again when the aggregated Event has expired', async () => {
    const { events, calls } = recorder({ patch: [new ApiException(404, 'gone', '{}', {})] });
    events.record(SANDBOX, 'Normal', 'Expired', 'x');
    events.record(SANDBOX, 'Normal', 'Expired', 'x');
    await events.flush();
    expect(calls.map((c) => c.verb)).toEqual(['create', 'patch', 'create']);
    const [created, , recreated] = calls as { body: CoreV1Event }[];
    expect(recreated!.body.count).toBe(2);
    expect(recreated!.body.metadata.name).not.toBe(created!.body.metadata.name);
  });

  it('never throws into the caller: a failed write is logged', async () => {
    const { events, lines } = recorder({ create: [new ApiException(403, 'forbidden', '{}', {})] });
    expect(() => events.record(SANDBOX, 'Normal', 'Expired', 'x')).not.toThrow();
    await events.flush();
    expect(lines.some((line) => line.includes('Could not record event'))).toBe(true);
  });

  it('caps messages at 1 KiB', async () => {
    const { events, calls } = recorder();
    events.record(SANDBOX, 'Warning', 'FailedCreate', 'x'.repeat(5000));
    await events.flush();
    const message = (calls[0] as { body: CoreV1Event }).body.message!;
    expect(message).toHaveLength(1024);
    expect(message.endsWith('...')).toBe(true);
  });
});
