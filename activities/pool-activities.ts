// Kubernetes I/O of the pool workflow: observe a pool, deliver allocations, create and delete pool pods,
// record releases, write the pool status. Thin executors of plans made in the workflow; every call is
// idempotent, because Temporal retries an activity that crashed half-way.
import { randomUUID } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { ANNOTATIONS, FINALIZERS, LABELS } from '../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, POOL, VERSION } from '../api/v1alpha1/group.js';
import type { Pool } from '../api/v1alpha1/pool.js';
import type { KubeClients } from '../kernel/kube-clients.js';
import type { Logger } from '../kernel/logger.js';
import type { PoolObservation } from '../planners/pool/pool-observation.js';
import { changesSince, type ObservedVersions, type PoolObservationChanges } from '../planners/pool/pool-observation-changes.js';
import { controllerOf } from '../planners/kube/pod-state.js';
import { POOL_POD_CREATE_REFUSED } from '../planners/pool/pool-create-refusal.js';
import { buildPoolPod } from '../planners/pool/pool-pod.js';
import { templateRevision } from '../planners/pool/pool-revision.js';
import { deliveryWrites, type CurrentSandbox, type DeliveryOrder } from '../planners/pool/delivery-plan.js';
import { apiErrorMessage, isApiStatus, isPermanentApiError, unlessNotFound } from '../kernel/kube-errors.js';
import { MERGE_PATCH } from '../kernel/kube-merge-patch.js';
import { EVENT_REASONS, recordOccurrence, type EventRecorder } from '../kernel/events.js';
import type { PoolMetrics } from '../kernel/operator-metrics.js';
import type { LedgerDrift } from '../planners/pool/ledger-audit.js';
import type { PlannedEvent } from '../planners/kube/planned-event.js';
import type { ReleaseRecord, RestartAttempt } from '../planners/pool/pool-round.js';
import { finalOnRejection } from './api-rejection.js';
import type { ClusterCache } from './cluster-cache.js';
import { mapBounded } from './map-bounded.js';
import { execInContainer } from './pod-exec.js';
import { digestPod, toSandboxView, waitsInAnotherPool, type RawBatchSandbox } from './pool-views.js';

const LABELLING_CONCURRENCY = 4;
/** As upstream: an exec that has not finished by then is abandoned (the next round checks the pod). */
const RESTART_EXEC_TIMEOUT_MS = 10_000;

export interface PoolRef {
  namespace: string;
  pool: string;
}

export interface DeliveryResult {
  delivered: string[];
  /** Sandboxes that no longer exist: their pods go back to the pool. */
  gone: string[];
  /** Sandboxes whose alloc-status changed to pods the plan did not know: nothing written, plan again. */
  stale: string[];
}

/** An observation, and which worker process made it (see observePool). */
export interface ObservedPool extends PoolObservation {
  observer: string;
}

/** The changes since the workflow's observation, and which worker process observed them. */
export interface ObservedPoolChanges extends PoolObservationChanges {
  observer: string;
}

export interface PoolActivitiesDeps {
  clients: Pick<KubeClients, 'core' | 'customObjects' | 'exec'>;
  log: Logger;
  /**
   * Serves observations from memory instead of three API lists (the hot path's largest cost). Safe:
   * ownership comes from the workflow's ledger, not from the cache, and the signal that starts a round
   * is sent only after the same informers have seen the change.
   */
  cache?: ClusterCache;
  /** Parallel API calls per activity; bounded so a 1000-pod round does not flood the apiserver. */
  concurrency?: number;
  now?: () => Date;
  events: EventRecorder;
  metrics: PoolMetrics;
}

export function createPoolActivities({ clients, log, cache, concurrency = 64, now = () => new Date(), events, metrics }: PoolActivitiesDeps) {
  const { core, customObjects: objects, exec } = clients;
  const bsApi = { group: GROUP, version: VERSION, plural: BATCH_SANDBOX.plural };
  const observer = randomUUID();

  async function readPool({ namespace, pool }: PoolRef): Promise<Pool | undefined> {
    const obj = (await unlessNotFound(objects.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: POOL.plural, name: pool }))) as
      (Pool & { metadata: { deletionTimestamp?: string } }) | undefined;
    return obj?.metadata.deletionTimestamp ? undefined : obj;
  }

  async function patchSandbox(namespace: string, name: string, body: object, subresource?: 'status'): Promise<void> {
    const args = { ...bsApi, namespace, name, body };
    if (subresource === 'status') await objects.patchNamespacedCustomObjectStatus(args, MERGE_PATCH);
    else await objects.patchNamespacedCustomObject(args, MERGE_PATCH);
  }

  /**
   * Makes the writes the plan decided (planners/pool/delivery-plan.ts): the metadata patch, re-planned
   * on the fresh sandbox after a conflict, then the status patch; returns the outcome and the number of API
   * writes it took.
   */
  async function deliverOne(namespace: string, order: DeliveryOrder): Promise<{ outcome: 'delivered' | 'gone' | 'stale'; writes: number }> {
    let writes = 0;
    let current: CurrentSandbox | undefined;
    for (let attempt = 0; ; attempt++) {
      const planned = deliveryWrites(order, current);
      if (planned === 'stale') return { outcome: 'stale', writes };
      if (planned.metadata) {
        try {
          writes++;
          await patchSandbox(namespace, order.sandbox, planned.metadata.body);
        } catch (err) {
          if (isApiStatus(err, 404)) return { outcome: 'gone', writes };
          if (!isApiStatus(err, 409) || attempt >= 5) throw err;
          const fresh = await readCurrentSandbox(namespace, order.sandbox);
          if (fresh === 'gone') return { outcome: 'gone', writes };
          current = fresh;
          continue;
        }
      }
      if (planned.status) {
        writes++;
        await patchSandbox(namespace, order.sandbox, planned.status.body, 'status').catch((err: unknown) => {
          if (!isApiStatus(err, 404)) throw err;
        });
      }
      return { outcome: 'delivered', writes };
    }
  }

  /** The sandbox a delivery's metadata patch conflicted with, or 'gone'. */
  async function readCurrentSandbox(namespace: string, name: string): Promise<CurrentSandbox | 'gone'> {
    try {
      const bs = (await objects.getNamespacedCustomObject({ ...bsApi, namespace, name })) as RawBatchSandbox;
      const view = toSandboxView(bs);
      return {
        resourceVersion: view.resourceVersion,
        allocated: view.allocated,
        finalizers: view.finalizers,
        endpoints: bs.metadata.annotations?.[ANNOTATIONS.endpoints],
        status: view.status,
      };
    } catch (err) {
      if (isApiStatus(err, 404)) return 'gone';
      throw err;
    }
  }

  async function observe(ref: PoolRef, previousObserver: string | undefined): Promise<ObservedPool> {
    const started = performance.now();
    const fromCache = cache && cacheSynced(cache) && previousObserver === observer;
    const { pool, pods, sandboxes } = fromCache ? observeCache(cache, ref) : await observeApi(ref);
    // Only pods owned by this Pool object: a same-named predecessor's pods may still be terminating.
    const poolUid = pool?.metadata.uid;
    const owned = pods.filter((p) => poolUid !== undefined && controllerOf(p)?.uid === poolUid);
    const pooled = sandboxes.filter((bs) => bs.spec.poolRef === ref.pool && bs.spec.template === undefined);
    const observation = {
      pool: pool && { object: trimPool(pool), revision: templateRevision(pool.spec.template), status: pool.status },
      pods: owned.map((p) => digestPod(p, pool?.spec.recycleStrategy?.type === 'Restart')),
      sandboxes: pooled.map(toSandboxView),
      waitingInOtherPools: sandboxes.filter((bs) => waitsInAnotherPool(bs, ref.pool)).length,
      observer,
    };
    log.debug({ kind: 'Pool', namespace: ref.namespace, name: ref.pool, fromCache, ms: performance.now() - started }, 'Observed pool');
    return observation;
  }

  async function observeApi(ref: PoolRef): Promise<ObservedObjects> {
    const [pool, podList, sandboxList] = await Promise.all([
      readPool(ref),
      core.listNamespacedPod({ namespace: ref.namespace, labelSelector: `${LABELS.poolName}=${ref.pool}` }),
      objects.listNamespacedCustomObject({ ...bsApi, namespace: ref.namespace }) as Promise<{ items: RawBatchSandbox[] }>,
    ]);
    return { pool, pods: podList.items, sandboxes: sandboxList.items };
  }

  /** Removes each pod's allocation label while it names the given sandbox (the test op leaves anyone else's alone). */
  async function unlabel(namespace: string, labels: { pod: string; sandbox: string }[]): Promise<void> {
    await mapBounded(labels, LABELLING_CONCURRENCY, async ({ pod, sandbox }) => {
      try {
        await core.patchNamespacedPod({ namespace, name: pod, body: unlabelPatch(sandbox) });
      } catch (err) {
        // Gone, or its label names another sandbox or none (422 from the test op).
        if (!isApiStatus(err, 404) && !isApiStatus(err, 422)) throw err;
      }
    });
  }

  async function deletePod(namespace: string, name: string): Promise<void> {
    try {
      await core.deleteNamespacedPod({ namespace, name });
    } catch (err) {
      if (!isApiStatus(err, 404)) throw err;
    }
  }

  const activities = {
    /**
     * The cache is trusted only when this process also made the workflow's previous observation. After the
     * workflow moved here (its worker died mid-round), the dead worker's last writes may not have reached
     * this cache yet, and a round planned without them could hand their pods out again: read the API.
     */
    async observePool({ previousObserver, ...ref }: PoolRef & { previousObserver?: string }): Promise<ObservedPool> {
      return observe(ref, previousObserver);
    },

    /** observePool, as the changes since an observation with the `known` versions (what the workflow holds). */
    async observePoolChanges({
      previousObserver,
      known,
      ...ref
    }: PoolRef & { previousObserver?: string; known: ObservedVersions }): Promise<ObservedPoolChanges> {
      const { observer: by, ...observation } = await observe(ref, previousObserver);
      return { observer: by, ...changesSince(known, observation) };
    },

    async deliverAllocations({ namespace, pool, orders }: PoolRef & { orders: DeliveryOrder[] }): Promise<DeliveryResult> {
      const started = performance.now();
      const labels = { namespace, pool };
      const outcomes = await mapBounded(orders, concurrency, async (order) => {
        const { outcome, writes } = await deliverOne(namespace, order);
        metrics.deliveryWrites.observe(labels, writes);
        if (outcome === 'delivered' && order.completes) {
          metrics.allocationLatency.observe(labels, Math.max(now().getTime() - Date.parse(order.createdAt), 0) / 1000);
        }
        return [order.sandbox, outcome] as const;
      });
      log.debug({ kind: 'BatchSandbox', namespace, sandboxes: orders.length, ms: performance.now() - started }, 'Delivered allocations');
      return {
        delivered: outcomes.filter(([, o]) => o === 'delivered').map(([s]) => s),
        gone: outcomes.filter(([, o]) => o === 'gone').map(([s]) => s),
        stale: outcomes.filter(([, o]) => o === 'stale').map(([s]) => s),
      };
    },

    /** Creates pool pods with the given (deterministic) names; an existing pod of that name counts as created. */
    async createPoolPods({ namespace, pool, names }: PoolRef & { names: string[] }): Promise<void> {
      const current = await readPool({ namespace, pool });
      if (!current) return;
      const revision = templateRevision(current.spec.template);
      await mapBounded(names, concurrency, async (name) => {
        try {
          await core.createNamespacedPod({ namespace, body: buildPoolPod(current, revision, name) });
        } catch (err) {
          if (isApiStatus(err, 409)) return;
          // A template the apiserver refuses (cpu: banana, a port named eighty) or a quota: said on the
          // Pool, where its owner looks, and handed to the workflow, which holds creation back and says so
          // on the Pool's status (planners/pool/pool-create-refusal.ts) instead of retrying here.
          if (!isPermanentApiError(err)) throw err;
          const message = apiErrorMessage(err);
          events.record(current, 'Warning', EVENT_REASONS.FailedCreate, `failed to create pool pod ${name}: ${message}`);
          throw ApplicationFailure.nonRetryable(message, POOL_POD_CREATE_REFUSED);
        }
      });
      log.info({ kind: 'Pool', namespace, name: pool, created: names.length }, 'Created pool pods');
    },

    async deletePoolPods({ namespace, pool, names }: PoolRef & { names: string[] }): Promise<void> {
      await mapBounded(names, concurrency, (name) => deletePod(namespace, name));
      if (names.length > 0) log.info({ kind: 'Pool', namespace, name: pool, deleted: names.length }, 'Deleted pool pods');
    },

    /**
     * Records completed releases: alloc-released grows by `pods`; a sandbox being deleted that has
     * nothing left also loses the pool-allocation finalizer, so its deletion can finish.
     */
    async recordReleases({ namespace, releases }: { namespace: string; releases: ReleaseRecord[] }): Promise<void> {
      await mapBounded(releases, concurrency, async ({ sandbox, pods, final, reused = [] }) => {
        try {
          const bs = (await objects.getNamespacedCustomObject({ ...bsApi, namespace, name: sandbox })) as RawBatchSandbox;
          const view = toSandboxView(bs);
          const released = [...new Set([...view.released, ...pods])];
          const finalizers = final ? view.finalizers.filter((f) => f !== FINALIZERS.poolAllocation) : view.finalizers;
          await patchSandbox(namespace, sandbox, {
            metadata: {
              resourceVersion: view.resourceVersion,
              annotations: { [ANNOTATIONS.allocReleased]: JSON.stringify({ pods: released }) },
              finalizers,
            },
          });
        } catch (err) {
          // Gone: nothing to record. A conflict is retried by Temporal with a fresh read.
          if (!isApiStatus(err, 404)) throw err;
        }
        // Before the ledger frees them (the workflow does that after this activity), so no later
        // allocation's label can be removed.
        await unlabel(
          namespace,
          reused.map((pod) => ({ pod, sandbox })),
        );
      });
    },

    /** Clears allocation labels left on idle pods (planners/pool/pool-round.ts `staleLabels`). */
    async clearStaleLabels({ namespace, labels }: { namespace: string; labels: { pod: string; sandbox: string }[] }): Promise<void> {
      await unlabel(namespace, labels);
      log.info({ kind: 'Pool', namespace, pods: labels.map((l) => l.pod) }, 'Cleared allocation labels of idle pods');
    },

    /**
     * Labels allocated pods with their sandbox (off the delivery path) so label selectors find them. Few
     * at a time: these writes compete with deliveries for the apiserver.
     */
    async labelAllocatedPods({ namespace, assignments }: { namespace: string; assignments: { pod: string; sandbox: string }[] }): Promise<void> {
      await mapBounded(assignments, LABELLING_CONCURRENCY, async ({ pod, sandbox }) => {
        try {
          await core.patchNamespacedPod({ namespace, name: pod, body: { metadata: { labels: { [LABELS.batchSandboxName]: sandbox } } } }, MERGE_PATCH);
        } catch (err) {
          if (!isApiStatus(err, 404)) throw err;
        }
      });
    },

    /** Records planned Events; returns at once (the recorder writes them in the background). */
    async recordEvents({ events: planned }: { events: PlannedEvent[] }): Promise<void> {
      for (const e of planned) {
        log.debug(
          { kind: e.object.kind, namespace: e.object.metadata.namespace, name: e.object.metadata.name, reason: e.reason, message: e.message },
          'Recording event',
        );
        recordOccurrence(events, e);
      }
    },

    /** Counts and logs what the ledger audit found (the workflow has already repaired what it can). */
    async recordLedgerDrift({ namespace, pool, drift }: PoolRef & { drift: LedgerDrift[] }): Promise<void> {
      for (const d of drift) metrics.ledgerDrift.inc({ namespace, pool, kind: d.kind });
      log.warn({ kind: 'Pool', namespace, name: pool, drift }, 'Pool ledger drift');
    },

    /**
     * One Restart recycle attempt per pod: records it on the pod (only if the pod is still the version
     * the attempt was planned from), then runs the restart command in each recorded container.
     */
    async restartPoolPods({ namespace, pool, attempts }: PoolRef & { attempts: RestartAttempt[] }): Promise<void> {
      await mapBounded(attempts, concurrency, async ({ pod, resourceVersion, record, containers, command }) => {
        const fields = { kind: 'Pod', namespace, name: pod, pool };
        try {
          await core.patchNamespacedPod(
            { namespace, name: pod, body: { metadata: { resourceVersion, annotations: { [ANNOTATIONS.restartRecord]: record } } } },
            MERGE_PATCH,
          );
        } catch (err) {
          // The pod changed (or went) since it was observed, e.g. this attempt is already recorded by an
          // earlier try of this activity: the next round plans from the pod as it is now.
          if (isApiStatus(err, 409) || isApiStatus(err, 404)) {
            log.info({ ...fields, reason: apiErrorMessage(err) }, 'Skipped a restart attempt: the pod changed since it was observed');
            return;
          }
          throw err;
        }
        log.info({ ...fields, containers, record }, 'Restarting pool pod containers');
        await Promise.all(
          containers.map((container) =>
            execInContainer(exec, { namespace, pod, container }, command, RESTART_EXEC_TIMEOUT_MS).catch((err: unknown) => {
              // Not fatal (as upstream): the next round sees whether the container restarted anyway.
              log.warn({ ...fields, container, err: apiErrorMessage(err) }, 'Restart command failed');
            }),
          ),
        );
      });
    },

    async writePoolStatus({ namespace, pool, status }: PoolRef & { status: object }): Promise<void> {
      try {
        await objects.patchNamespacedCustomObjectStatus(
          { group: GROUP, version: VERSION, namespace, plural: POOL.plural, name: pool, body: { status } },
          MERGE_PATCH,
        );
      } catch (err) {
        if (!isApiStatus(err, 404)) throw err;
      }
    },
  };
  // Upkeep writes stop at a refusal for good: the workflow says so on the Pool and plans them again in a
  // later round. The hot path's local activities and the creates handle refusals their own way.
  return {
    ...activities,
    deletePoolPods: finalOnRejection(activities.deletePoolPods),
    recordReleases: finalOnRejection(activities.recordReleases),
    labelAllocatedPods: finalOnRejection(activities.labelAllocatedPods),
    clearStaleLabels: finalOnRejection(activities.clearStaleLabels),
    writePoolStatus: finalOnRejection(activities.writePoolStatus),
  };
}

export type PoolActivities = ReturnType<typeof createPoolActivities>;

interface ObservedObjects {
  pool: Pool | undefined;
  pods: readonly V1Pod[];
  sandboxes: readonly RawBatchSandbox[];
}

/** A JSON Patch (client-node's default) removing the allocation label only while it names `sandbox`. */
function unlabelPatch(sandbox: string): object[] {
  const path = `/metadata/labels/${LABELS.batchSandboxName.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return [
    { op: 'test', path, value: sandbox },
    { op: 'remove', path },
  ];
}

function cacheSynced(cache: ClusterCache): boolean {
  return cache.pools.hasSynced() && cache.pods.hasSynced() && cache.batchSandboxes.hasSynced();
}

function observeCache(cache: ClusterCache, { namespace, pool }: PoolRef): ObservedObjects {
  const object = cache.pools.get(pool, namespace) as (Pool & { metadata: { deletionTimestamp?: unknown } }) | undefined;
  return {
    pool: object && !object.metadata.deletionTimestamp ? object : undefined,
    pods: cache.pods.list(namespace).filter((p) => p.metadata?.labels?.[LABELS.poolName] === pool),
    sandboxes: cache.batchSandboxes.list(namespace) as unknown as RawBatchSandbox[],
  };
}

/** The Pool without managedFields and status: what planning reads. */
function trimPool(pool: Pool): Pool {
  const { name, namespace, uid, resourceVersion, generation, labels, annotations } = pool.metadata;
  return {
    apiVersion: pool.apiVersion,
    kind: pool.kind,
    metadata: { name, namespace, uid, resourceVersion, generation, labels, annotations },
    spec: pool.spec,
  };
}
