// Kubernetes Events (core/v1) about the operator's decisions, so `kubectl describe` answers "why?".
// Fire-and-forget: recording never throws into the caller and never delays it; a failed write is logged.
// Like client-go's recorder, a repeat of the same event (same object, type, reason and message) bumps the
// count and lastTimestamp of the Event already written instead of creating another one.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import { MERGE_PATCH } from './kube-merge-patch.js';
import type { Clock } from './clock.js';
import { isApiStatus } from './kube-errors.js';
import type { Logger } from './logger.js';

export const EVENT_COMPONENT = 'opensandbox-operator';

/** Reason strings; SuccessfulCreate, FailedCreate and the snapshot Job ones are upstream's (spec §7.5). */
export const EVENT_REASONS = {
  SuccessfulCreate: 'SuccessfulCreate',
  FailedCreate: 'FailedCreate',
  SuccessfulDelete: 'SuccessfulDelete',
  FailedDelete: 'FailedDelete',
  Expired: 'Expired',
  InvalidSpec: 'InvalidSpec',
  PoolAssigned: 'PoolAssigned',
  NoEligiblePool: 'NoEligiblePool',
  // Pause and resume of a BatchSandbox.
  Paused: 'Paused',
  PauseFailed: 'PauseFailed',
  PauseCancelled: 'PauseCancelled',
  Resumed: 'Resumed',
  ResumeFailed: 'ResumeFailed',
  /** A Paused phase no pause wrote, replaced by the pods' phase (planners/lifecycle/unbacked-paused-phase.ts). */
  PausedPhaseRepaired: 'PausedPhaseRepaired',
  // SandboxSnapshot commits: upstream's four (spec §7.5), and SnapshotFailed for a failure before any Job.
  CreatedJob: 'CreatedJob',
  FailedCreateJob: 'FailedCreateJob',
  JobSucceeded: 'JobSucceeded',
  JobFailed: 'JobFailed',
  SnapshotFailed: 'SnapshotFailed',
  /** A commit the node's agent ran (ADR 0007): no Job, so no CreatedJob/JobSucceeded. */
  Committed: 'Committed',
} as const;

export type EventType = 'Normal' | 'Warning';

/** The object an Event is about; objects from typed pod lists lack kind/apiVersion, so pass them. */
export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorder {
  record(object: InvolvedObject, type: EventType, reason: string, message: string): void;
}

export interface EventRecorderOptions {
  core: Pick<CoreV1Api, 'createNamespacedEvent' | 'patchNamespacedEvent'>;
  log: Logger;
  clock: Clock;
}

/**
 * Event writes in flight at once; the rest wait their turn. Events are best effort: in a burst (an
 * Allocated Event per sandbox, 1,000 of them) they must not crowd out the writes that serve sandboxes.
 */
export const EVENT_WRITE_CONCURRENCY = 2;

export interface KubeEventRecorder extends EventRecorder {
  /** Resolves once every event recorded so far has been written (or has failed). */
  flush(): Promise<void>;
}

// The apiserver does not bound core/v1 messages, but events.k8s.io caps its note at 1 KiB: stay within it.
const MAX_MESSAGE = 1024;
/** Series remembered for aggregation; the oldest is forgotten first (its next repeat starts a new Event). */
const MAX_SERIES = 4096;
const NAME_SUFFIX_LENGTH = 17; // "." + 16 hex digits
const MAX_NAME = 253;

/** One Event to record: what `record` takes, as one value (a planner's PlannedEvent). */
export interface Occurrence {
  object: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
}

/** Records an Event decided elsewhere (planners plan them as Occurrences). */
export function recordOccurrence(events: EventRecorder, { object, type, reason, message }: Occurrence): void {
  events.record(object, type, reason, message);
}

interface Series {
  name: string;
  count: number;
  firstTimestamp: Date;
  /** The write in flight for this series; repeats chain on it so counts go up in order. */
  pending: Promise<void>;
}

function eventName(objectName: string): string {
  return `${objectName.slice(0, MAX_NAME - NAME_SUFFIX_LENGTH)}.${randomBytes(8).toString('hex')}`;
}

export function createEventRecorder({ core, log, clock }: EventRecorderOptions): KubeEventRecorder {
  const instance = hostname();
  const series = new Map<string, Series>();
  const inFlight = new Set<Promise<void>>();
  const slots = writeSlots(EVENT_WRITE_CONCURRENCY);

  async function create({ object, type, reason, message }: Occurrence, entry: Series, count: number) {
    const now = clock.now();
    const namespace = object.metadata.namespace ?? 'default';
    const body: CoreV1Event = {
      metadata: { name: entry.name, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      type,
      reason,
      message,
      source: { component: EVENT_COMPONENT },
      reportingComponent: EVENT_COMPONENT,
      reportingInstance: instance,
      firstTimestamp: entry.firstTimestamp,
      lastTimestamp: now,
      count,
    };
    await core.createNamespacedEvent({ namespace, body });
  }

  async function write(occurrence: Occurrence, entry: Series, count: number) {
    const namespace = occurrence.object.metadata.namespace ?? 'default';
    if (count === 1) return create(occurrence, entry, count);
    try {
      await core.patchNamespacedEvent({ name: entry.name, namespace, body: { count, lastTimestamp: clock.now().toISOString() } }, MERGE_PATCH);
    } catch (err) {
      // The Event expired (the apiserver keeps them for an hour): start the series again.
      if (!isApiStatus(err, 404)) throw err;
      entry.name = eventName(occurrence.object.metadata.name);
      await create(occurrence, entry, count);
    }
  }

  function record(object: InvolvedObject, type: EventType, reason: string, rawMessage: string): void {
    const message = rawMessage.length > MAX_MESSAGE ? `${rawMessage.slice(0, MAX_MESSAGE - 3)}...` : rawMessage;
    const { name, namespace, uid } = object.metadata;
    const key = JSON.stringify([namespace, uid ?? name, type, reason, message]);
    let entry = series.get(key);
    if (entry === undefined) {
      entry = { name: eventName(name), count: 0, firstTimestamp: clock.now(), pending: Promise.resolve() };
      if (series.size >= MAX_SERIES) series.delete(series.keys().next().value!);
    } else {
      series.delete(key); // re-inserted below: Map order doubles as least-recently-used order
    }
    series.set(key, entry);
    const current = entry;
    const count = ++current.count;
    const done = current.pending
      .then(() => slots.run(() => write({ object, type, reason, message }, current, count)))
      .catch((err: unknown) => log.warn({ err, reason, involvedObject: name, namespace }, 'Could not record event'));
    current.pending = done;
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  }

  return {
    record,
    flush: async () => {
      await Promise.all([...inFlight]);
    },
  };
}

/** At most `limit` of the given writes run at once; the others start in the order they came. */
function writeSlots(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (running < limit) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } finally {
        // Handed straight to the next in line, so no newcomer slips in between.
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
  };
}
