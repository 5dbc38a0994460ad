// An in-memory stand-in for what the pool activities (activities/pool-activities.ts) read and write, for
// running the production pool workflow on the real Temporal dev server: one Pool object, its pods (as the
// digests observePool reports) and its pooled sandboxes (as the views it reports). Every activity call is
// recorded with its input and result. Tests change the cluster (add a sandbox, make pods Ready, replace
// the Pool) and then signal the workflow, as the watchers would; one-shot hooks change it in the middle
// of a call (what a concurrent writer does between an observation and a delivery).
// One FakePoolCluster per test, told apart by namespace, so workflows of different tests on one worker
// never share state.
import { randomUUID } from 'node:crypto';
import type { PoolActivities } from '../../activities/pool-activities.js';
import { ANNOTATIONS, FINALIZERS, parseAllocationAnnotation } from '../../api/v1alpha1/contract.js';
import type { Pool, PoolStatus } from '../../api/v1alpha1/pool.js';
import type { PodDigest, PoolObservation, SandboxView } from '../../planners/pool/pool-observation.js';
import { deliveryWrites, type DeliveryOrder } from '../../planners/pool/delivery-plan.js';
import { changesSince } from '../../planners/pool/pool-observation-changes.js';
import { templateRevision } from '../../planners/pool/pool-revision.js';
import { sandboxView } from '../builders/sandbox-view.js';

export type PoolActivityName = keyof PoolActivities;
export type PoolActivityInput<K extends PoolActivityName> = Parameters<PoolActivities[K]>[0];
export type PoolActivityResult<K extends PoolActivityName> = Awaited<ReturnType<PoolActivities[K]>>;

export interface RecordedPoolCall<K extends PoolActivityName = PoolActivityName> {
  /** Its place among all calls to this cluster (`calls.length` before it arrived). */
  seq: number;
  activity: K;
  /** A copy of the input as the call arrived. */
  input: PoolActivityInput<K>;
  /** Set once the call returned. */
  result?: PoolActivityResult<K>;
}

type AnyCall = { [K in PoolActivityName]: RecordedPoolCall<K> }[PoolActivityName];
type Hook = (input: never) => void | Promise<void>;

export interface FakePoolClusterOptions {
  /** Created pods turn Running and Ready at once (default); else they stay Pending until makePodsReady. */
  podsReadyOnCreate?: boolean;
}

interface FakePod {
  digest: PodDigest;
  /** UID of the Pool object that controls it: only that object's observation lists it. */
  owner: string;
}

/** What one worker process reports as `observer` (the fake is always the same one). */
const OBSERVER = 'fake-pool-cluster';

export class FakePoolCluster {
  readonly calls: AnyCall[] = [];
  readonly namespace: string;
  readonly activities: PoolActivities;
  private pool: Pool | undefined;
  /** In list order (creation order), as the informer lists them: idle pods are handed out in this order. */
  private readonly pods = new Map<string, FakePod>();
  private readonly sandboxes = new Map<string, SandboxView>();
  /** Each sandbox's endpoints annotation, which SandboxView does not carry. */
  private readonly endpoints = new Map<string, string>();
  /** Pods created while withholding: left out of observations (withholdNewPods). */
  private withheld: Set<string> | undefined;
  private version = 0;
  private addresses = 0;
  /** Sandboxes of the namespace's other pools still waiting, as observations report them. */
  private waitingInOtherPools = 0;
  private readonly before = new Map<PoolActivityName, Hook>();
  private readonly after = new Map<PoolActivityName, Hook>();

  constructor(
    pool: Pool,
    private readonly options: FakePoolClusterOptions = {},
  ) {
    this.namespace = pool.metadata.namespace ?? 'default';
    this.pool = { ...structuredClone(pool), metadata: { ...structuredClone(pool.metadata), uid: randomUUID(), resourceVersion: this.bump() } };
    this.activities = this.recordedActivities();
  }

  // --- What tests read ---

  /** The calls of one activity, in order. */
  callsOf<K extends PoolActivityName>(activity: K): RecordedPoolCall<K>[] {
    return this.calls.filter((call): call is RecordedPoolCall<K> & AnyCall => call.activity === activity);
  }

  /** Rounds the workflow ran: each round observes once. */
  observations(): number {
    return this.callsOf('observePoolChanges').length + this.callsOf('observePool').length;
  }

  poolUid(): string | undefined {
    return this.pool?.metadata.uid;
  }

  /** Names of the current Pool object's pods, in list order. */
  podNames(filter: (pod: PodDigest) => boolean = () => true): string[] {
    return [...this.pods.values()].filter((p) => p.owner === this.poolUid() && filter(p.digest)).map((p) => p.digest.name);
  }

  sandbox(name: string): SandboxView | undefined {
    const s = this.sandboxes.get(name);
    return s && structuredClone(s);
  }

  sandboxNames(): string[] {
    return [...this.sandboxes.keys()];
  }

  // --- What tests (playing users, the kubelet, other writers) change ---

  /** A pooled BatchSandbox asking for `replicas` pods, created now. */
  addSandbox(name: string, replicas: number): void {
    this.sandboxes.set(name, sandboxView(name, { uid: randomUUID(), resourceVersion: this.bump(), createdAt: new Date().toISOString(), replicas }));
  }

  /** A user deletes a sandbox: with finalizers it is marked deleting, without it is gone at once. */
  deleteSandbox(name: string): void {
    const s = this.sandboxes.get(name);
    if (!s) return;
    if (s.finalizers.length === 0) this.forget(name);
    else Object.assign(s, { deleting: true, resourceVersion: this.bump() });
  }

  /** Another writer (a zombie round of a dead worker, a person) sets a sandbox's alloc-status annotation. */
  writeAllocStatus(name: string, pods: string[]): void {
    Object.assign(this.sandboxes.get(name)!, { allocated: [...pods], resourceVersion: this.bump() });
  }

  /** The kubelet runs the given Pending pods (default: all of them): Running, Ready, with an IP. */
  makePodsReady(names: string[] = this.podNames((p) => p.phase === 'Pending')): void {
    for (const name of names) this.makeReady(this.pods.get(name)!.digest);
  }

  /** Pods created from now on are left out of observations until revealPods: an informer cache lagging behind. */
  withholdNewPods(): void {
    this.withheld = new Set();
  }

  /** The pods withheld since withholdNewPods, in creation order; observations show them again. */
  revealPods(): string[] {
    const revealed = [...(this.withheld ?? [])];
    this.withheld = undefined;
    return revealed;
  }

  /** Changes (or with `undefined` removes) an annotation of the Pool: a new resourceVersion. */
  annotatePool(key: string, value: string | undefined): void {
    const pool = this.pool!;
    const { [key]: _old, ...others } = pool.metadata.annotations ?? {};
    pool.metadata.annotations = value === undefined ? others : { ...others, [key]: value };
    pool.metadata.resourceVersion = this.bump();
  }

  /** The namespace's other pools have `count` sandboxes waiting for pods (what observations report from now on). */
  setWaitingInOtherPools(count: number): void {
    this.waitingInOtherPools = count;
  }

  /** Another writer (a retried write of a worker that died, a person) replaces the Pool's status. */
  replacePoolStatus(status: PoolStatus): void {
    const pool = this.pool!;
    pool.status = structuredClone(status);
    pool.metadata.resourceVersion = this.bump();
  }

  /** The Pool is deleted; garbage collection takes its pods with it (at once here). */
  deletePool(): void {
    const uid = this.poolUid();
    this.pool = undefined;
    for (const [name, pod] of this.pods) if (pod.owner === uid) this.pods.delete(name);
  }

  /** The Pool is deleted and created again under its name: a new object (UID), without status or pods. */
  recreatePool(): void {
    const old = this.pool!;
    const oldPrefix = podNamePrefix(old.metadata.uid!);
    this.deletePool();
    let uid = randomUUID();
    // Pool pod names carry 4 characters of the UID: keep the two objects' pods apart by name too.
    while (podNamePrefix(uid) === oldPrefix) uid = randomUUID();
    const { status: _status, ...withoutStatus } = old;
    this.pool = { ...structuredClone(withoutStatus), metadata: { ...structuredClone(old.metadata), uid, resourceVersion: this.bump() } };
  }

  /** Runs `change` once, when `activity` is next called, before the fake acts on the call (once `change` has finished). */
  beforeNext<K extends PoolActivityName>(activity: K, change: (input: PoolActivityInput<K>) => void | Promise<void>): void {
    this.before.set(activity, change);
  }

  /**
   * Runs `change` once, right after the next call of `activity` did its work (before the workflow hears
   * back); the call answers once `change` has finished (a write still running on the apiserver).
   */
  afterNext<K extends PoolActivityName>(activity: K, change: (input: PoolActivityInput<K>) => void | Promise<void>): void {
    this.after.set(activity, change);
  }

  // --- The activities ---

  private recordedActivities(): PoolActivities {
    const record = <K extends PoolActivityName>(activity: K, act: (input: PoolActivityInput<K>) => PoolActivityResult<K>) => {
      return async (input: PoolActivityInput<K>): Promise<PoolActivityResult<K>> => {
        const call: RecordedPoolCall<K> = { seq: this.calls.length, activity, input: structuredClone(input) };
        this.calls.push(call as AnyCall);
        await this.takeHook(this.before, activity)?.(input as never);
        const result = act(input);
        await this.takeHook(this.after, activity)?.(input as never);
        call.result = structuredClone(result);
        return result;
      };
    };
    return {
      observePool: record('observePool', () => ({ ...this.observation(), observer: OBSERVER })),
      observePoolChanges: record('observePoolChanges', ({ known }) => ({ observer: OBSERVER, ...changesSince(known, this.observation()) })),
      deliverAllocations: record('deliverAllocations', ({ orders }) => {
        const outcomes = orders.map((order) => [order.sandbox, this.deliver(order)] as const);
        const having = (outcome: string) => outcomes.filter(([, o]) => o === outcome).map(([s]) => s);
        return { delivered: having('delivered'), gone: having('gone'), stale: having('stale') };
      }),
      createPoolPods: record('createPoolPods', ({ names }) => {
        const pool = this.pool;
        if (!pool) return;
        for (const name of names) {
          // A pod of that name already exists: counts as created (the real one meets a conflict).
          if (this.pods.has(name)) continue;
          const digest: PodDigest = {
            name,
            resourceVersion: this.bump(),
            revision: templateRevision(pool.spec.template),
            createdAt: new Date().toISOString(),
            phase: 'Pending',
          };
          this.pods.set(name, { digest, owner: pool.metadata.uid! });
          this.withheld?.add(name);
          if (this.options.podsReadyOnCreate ?? true) this.makeReady(digest);
        }
      }),
      deletePoolPods: record('deletePoolPods', ({ names }) => {
        // Pods without finalizers: gone at once.
        for (const name of names) this.pods.delete(name);
      }),
      recordReleases: record('recordReleases', ({ releases }) => {
        for (const { sandbox, pods, final, reused = [] } of releases) {
          const s = this.sandboxes.get(sandbox);
          if (s) {
            s.released = [...new Set([...s.released, ...pods])];
            if (final) s.finalizers = s.finalizers.filter((f) => f !== FINALIZERS.poolAllocation);
            s.hasAllocationFinalizer = s.finalizers.includes(FINALIZERS.poolAllocation);
            s.resourceVersion = this.bump();
            // The apiserver finishes a deletion once the last finalizer is gone.
            if (s.deleting && s.finalizers.length === 0) this.forget(sandbox);
          }
          this.unlabel(reused.map((pod) => ({ pod, sandbox })));
        }
      }),
      labelAllocatedPods: record('labelAllocatedPods', ({ assignments }) => {
        for (const { pod, sandbox } of assignments) {
          const p = this.pods.get(pod);
          if (p) Object.assign(p.digest, { sandbox, resourceVersion: this.bump() });
        }
      }),
      clearStaleLabels: record('clearStaleLabels', ({ labels }) => this.unlabel(labels)),
      writePoolStatus: record('writePoolStatus', ({ status }) => {
        if (!this.pool) return;
        // A status write is a new resourceVersion of the Pool, as on the apiserver.
        this.pool.status = structuredClone(status) as Pool['status'];
        this.pool.metadata.resourceVersion = this.bump();
      }),
      restartPoolPods: record('restartPoolPods', () => undefined),
      recordEvents: record('recordEvents', () => undefined),
      recordLedgerDrift: record('recordLedgerDrift', () => undefined),
    };
  }

  /** The observation observePool would report now: only pods the current Pool object controls. */
  private observation(): PoolObservation {
    const pool = this.pool;
    if (!pool) return { pool: undefined, pods: [], sandboxes: [...this.sandboxes.values()].map((s) => structuredClone(s)) };
    const { status, ...object } = structuredClone(pool);
    return {
      pool: { object, revision: templateRevision(pool.spec.template), ...(status === undefined ? {} : { status }) },
      pods: this.podNames()
        .filter((name) => !this.withheld?.has(name))
        .map((name) => structuredClone(this.pods.get(name)!.digest)),
      sandboxes: [...this.sandboxes.values()].map((s) => structuredClone(s)),
      waitingInOtherPools: this.waitingInOtherPools,
    };
  }

  /**
   * One delivery, as the real activity makes it: the annotation write is conditional on the observed
   * resourceVersion; on a conflict a sandbox whose alloc-status now names pods the plan did not know is
   * stale, otherwise the two lists are merged.
   */
  private deliver(order: DeliveryOrder): 'delivered' | 'gone' | 'stale' {
    const s = this.sandboxes.get(order.sandbox);
    if (!s) return 'gone';
    const conflict = s.resourceVersion !== order.resourceVersion;
    const current = {
      resourceVersion: s.resourceVersion,
      allocated: s.allocated,
      finalizers: s.finalizers,
      endpoints: this.endpoints.get(s.name),
      status: s.status,
    };
    const writes = deliveryWrites(order, conflict ? current : undefined);
    if (writes === 'stale') return 'stale';
    if (writes.metadata) {
      const { annotations, finalizers } = writes.metadata.body.metadata;
      this.endpoints.set(s.name, annotations[ANNOTATIONS.endpoints]!);
      Object.assign(s, {
        allocated: parseAllocationAnnotation(annotations[ANNOTATIONS.allocStatus]!).pods,
        finalizers,
        hasAllocationFinalizer: finalizers.includes(FINALIZERS.poolAllocation),
      });
    }
    if (writes.status) s.status = writes.status.body.status;
    if (writes.metadata || writes.status) s.resourceVersion = this.bump();
    return 'delivered';
  }

  private forget(sandbox: string): void {
    this.sandboxes.delete(sandbox);
    this.endpoints.delete(sandbox);
  }

  /** Removes each pod's allocation label while it names the given sandbox. */
  private unlabel(labels: { pod: string; sandbox: string }[]): void {
    for (const { pod, sandbox } of labels) {
      const p = this.pods.get(pod);
      if (p?.digest.sandbox !== sandbox) continue;
      const { sandbox: _label, ...rest } = p.digest;
      p.digest = { ...rest, resourceVersion: this.bump() };
    }
  }

  private makeReady(digest: PodDigest): void {
    const n = this.addresses++;
    const now = new Date().toISOString();
    Object.assign(digest, { phase: 'Running', ip: `10.1.${n >> 8}.${n & 255}`, node: 'fake-node-0', readySince: now, resourceVersion: this.bump() });
  }

  private takeHook(hooks: Map<PoolActivityName, Hook>, activity: PoolActivityName): Hook | undefined {
    const hook = hooks.get(activity);
    hooks.delete(activity);
    return hook;
  }

  private bump(): string {
    return String(++this.version);
  }
}

/** The 4 characters of a Pool UID its pods' names carry (planners/pool/pool-round.ts poolPodName). */
function podNamePrefix(uid: string): string {
  return uid.replace(/-/g, '').slice(0, 4);
}

/** Every pool activity (the type keeps the list complete). */
const ACTIVITY_NAMES = Object.keys({
  observePool: true,
  observePoolChanges: true,
  deliverAllocations: true,
  createPoolPods: true,
  deletePoolPods: true,
  recordReleases: true,
  labelAllocatedPods: true,
  clearStaleLabels: true,
  writePoolStatus: true,
  restartPoolPods: true,
  recordEvents: true,
  recordLedgerDrift: true,
} satisfies Record<PoolActivityName, true>) as PoolActivityName[];

/**
 * The activities a worker registers: each call goes to the fake cluster of its namespace (recordEvents,
 * which names none, to that of its first event's object).
 */
export function routedPoolActivities(clusterOf: (namespace: string) => FakePoolCluster): PoolActivities {
  const namespaceOf = (input: unknown): string => {
    const { namespace, events } = input as { namespace?: string; events?: { object: { metadata: { namespace?: string } } }[] };
    return namespace ?? events?.[0]?.object.metadata.namespace ?? '';
  };
  return Object.fromEntries(
    ACTIVITY_NAMES.map((activity) => [
      activity,
      (input: unknown) => (clusterOf(namespaceOf(input)).activities[activity] as unknown as (i: unknown) => Promise<unknown>)(input),
    ]),
  ) as unknown as PoolActivities;
}
