// What every pause, resume and snapshot activity shares (ADR 0004): the API clients, reading the object a
// workflow acts for by its ref (missing, or replaced by a namesake with another UID: OBJECT_GONE), and
// writing a status computed from the latest copy: a whole-status replace guarded by its resourceVersion,
// re-read and re-computed on a conflict, so no write ever rests on a stale copy.
import { isDeepStrictEqual } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import type { BatchV1Api, CoreV1Api, CustomObjectsApi, V1Pod } from '@kubernetes/client-node';
import { namesPool, type BatchSandbox } from '../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, LABELS, parseAllocationAnnotation } from '../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, POOL, SANDBOX_SNAPSHOT, VERSION, type ResourceNames } from '../api/v1alpha1/group.js';
import type { ObjectMeta } from '../api/v1alpha1/object-meta.js';
import type { Pool } from '../api/v1alpha1/pool.js';
import type { SandboxSnapshot } from '../api/v1alpha1/sandbox-snapshot.js';
import type { PauseSourceInput } from '../planners/lifecycle/pause-source.js';
import type { SourceNodeObservation } from '../planners/lifecycle/source-node.js';
import type { EventRecorder } from '../kernel/events.js';
import { isApiStatus, unlessNotFound } from '../kernel/kube-errors.js';
import { MERGE_PATCH } from '../kernel/kube-merge-patch.js';
import type { KubeClients } from '../kernel/kube-clients.js';
import type { Logger } from '../kernel/logger.js';
import type { SnapshotSettings } from './lifecycle-activity-types.js';
import { OBJECT_GONE } from '../api/activity-failure-types.js';

export interface LifecycleActivitiesDeps {
  clients: LifecycleClients;
  log: Logger;
  events: EventRecorder;
  settings: SnapshotSettings;
  now?: () => Date;
}

export interface ObjectRef {
  namespace: string;
  name: string;
  uid: string;
}

/** A write that lost to another writer is re-read and re-computed this many times before giving up. */
export const WRITE_ATTEMPTS = 5;

interface CustomObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { deletionTimestamp?: string };
  status?: unknown;
}

/** Reads and status writes of one custom resource kind. */
export class CustomResources<T extends CustomObject> {
  constructor(
    private readonly objects: CustomObjectsApi,
    private readonly names: ResourceNames,
  ) {}

  private path(namespace: string) {
    return { group: GROUP, version: VERSION, namespace, plural: this.names.plural };
  }

  /** The object of that name, or undefined. */
  async find(namespace: string, name: string): Promise<T | undefined> {
    return (await unlessNotFound(this.objects.getNamespacedCustomObject({ ...this.path(namespace), name }))) as T | undefined;
  }

  /** The object `ref` names, with that UID; else the workflow acting for it ends (OBJECT_GONE). */
  async read(ref: ObjectRef): Promise<T> {
    const object = await this.find(ref.namespace, ref.name);
    if (object === undefined) throw objectGone(this.names.kind, ref, 'it no longer exists');
    if (object.metadata.uid !== ref.uid) throw objectGone(this.names.kind, ref, `it was replaced (now UID ${object.metadata.uid ?? 'unknown'})`);
    return object;
  }

  async list(namespace: string): Promise<T[]> {
    const list = (await this.objects.listNamespacedCustomObject(this.path(namespace))) as { items: T[] };
    return list.items;
  }

  async create(namespace: string, body: T): Promise<T> {
    return (await this.objects.createNamespacedCustomObject({ ...this.path(namespace), body })) as T;
  }

  /** Merge patch of the status subresource. */
  async patchStatus(namespace: string, name: string, body: object): Promise<T> {
    return (await this.objects.patchNamespacedCustomObjectStatus({ ...this.path(namespace), name, body }, MERGE_PATCH)) as T;
  }

  /** Merge patch of the main resource; carry metadata.resourceVersion in `body` to make it conditional. */
  async patch(namespace: string, name: string, body: object): Promise<T> {
    return (await this.objects.patchNamespacedCustomObject({ ...this.path(namespace), name, body }, MERGE_PATCH)) as T;
  }

  /** Deletes with background propagation; `uid` makes it a precondition. Already gone (or replaced) = done. */
  async delete(namespace: string, name: string, uid?: string): Promise<void> {
    try {
      await this.objects.deleteNamespacedCustomObject({
        ...this.path(namespace),
        name,
        propagationPolicy: 'Background',
        ...(uid === undefined ? {} : { body: { preconditions: { uid } } }),
      });
    } catch (err) {
      if (!isApiStatus(err, 404) && !isApiStatus(err, 409)) throw err;
    }
  }

  /**
   * Writes `next(latest)` as the whole status of the latest object `ref` names (status replace with its
   * resourceVersion); undefined writes nothing. Returns the object as it stands after the step.
   */
  async updateStatus(ref: ObjectRef, next: (latest: T) => Promise<T['status'] | undefined> | T['status'] | undefined): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const latest = await this.read(ref);
      const status = await next(latest);
      if (status === undefined || isDeepStrictEqual(status, latest.status)) return latest;
      try {
        return (await this.objects.replaceNamespacedCustomObjectStatus({
          ...this.path(ref.namespace),
          name: ref.name,
          body: { ...latest, status },
        })) as T;
      } catch (err) {
        if (isApiStatus(err, 404)) throw objectGone(this.names.kind, ref, 'it no longer exists');
        if (!isApiStatus(err, 409) || attempt >= WRITE_ATTEMPTS) throw err;
      }
    }
  }
}

export function objectGone(kind: string, ref: ObjectRef, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${kind} ${ref.namespace}/${ref.name} (UID ${ref.uid}): ${why}`, OBJECT_GONE);
}

/** What the pause, snapshot and resume activity groups are built from. */
export interface LifecycleContext {
  objects: LifecycleObjects;
  log: Logger;
  events: EventRecorder;
  settings: SnapshotSettings;
  now: () => Date;
}

/** Clients and reads the three activity groups share. */
export interface LifecycleObjects {
  core: CoreV1Api;
  batch: BatchV1Api;
  sandboxes: CustomResources<BatchSandbox & CustomObject>;
  snapshots: CustomResources<SandboxSnapshot & CustomObject>;
  pools: CustomResources<Pool & CustomObject>;
  /** Pods of the namespace, optionally by label and field selector. */
  listPods(namespace: string, labelSelector?: string, fieldSelector?: string): Promise<V1Pod[]>;
  /** One pod, or undefined when it does not exist. */
  findPod(namespace: string, name: string): Promise<V1Pod | undefined>;
  /** The Node a commit would run on, as planners/lifecycle/source-node.ts takes it. */
  readNode(name: string): Promise<SourceNodeObservation>;
  /**
   * What the source planners need to find the sandbox's pods: every pod that can be one of them (non-pooled:
   * those labelled with its name; pooled: those its alloc-status names) and its Pool's UID.
   */
  podsOf(sandbox: BatchSandbox): Promise<PauseSourceInput>;
}

/** The clients the lifecycle and task activities use. */
export type LifecycleClients = Pick<KubeClients, 'core' | 'customObjects' | 'batch'>;

export function lifecycleObjects({ core, customObjects: objects, batch }: LifecycleClients): LifecycleObjects {
  const pools = new CustomResources<Pool & CustomObject>(objects, POOL);
  const findPod = (namespace: string, name: string): Promise<V1Pod | undefined> => unlessNotFound(core.readNamespacedPod({ namespace, name }));
  async function listPods(namespace: string, labelSelector?: string, fieldSelector?: string): Promise<V1Pod[]> {
    return (
      await core.listNamespacedPod({
        namespace,
        ...(labelSelector === undefined ? {} : { labelSelector }),
        ...(fieldSelector === undefined ? {} : { fieldSelector }),
      })
    ).items;
  }
  return {
    core,
    batch,
    sandboxes: new CustomResources(objects, BATCH_SANDBOX),
    snapshots: new CustomResources(objects, SANDBOX_SNAPSHOT),
    pools,
    listPods,
    async podsOf(sandbox) {
      const namespace = sandbox.metadata.namespace ?? '';
      const poolRef = sandbox.spec.poolRef;
      if (!namesPool(poolRef)) {
        // The pods the operator creates for a sandbox carry its name as a label: no namespace-wide list.
        return { sandbox, pods: await listPods(namespace, `${LABELS.batchSandboxName}=${sandbox.metadata.name}`) };
      }
      // A pool's namespace may hold a thousand warm pods: read only the ones the sandbox's alloc-status names.
      const [pods, pool] = await Promise.all([
        Promise.all(allocationPods(sandbox, ANNOTATIONS.allocStatus).map((name) => findPod(namespace, name))),
        pools.find(namespace, poolRef),
      ]);
      const poolUid = pool?.metadata.uid;
      return { sandbox, pods: pods.filter((pod) => pod !== undefined), ...(poolUid === undefined ? {} : { poolUid }) };
    },
    findPod,
    async readNode(name) {
      try {
        return (await unlessNotFound(core.readNode({ name }))) ?? 'absent';
      } catch (err) {
        if (isApiStatus(err, 403)) return 'unreadable';
        throw err;
      }
    },
  };
}

/** The pods one allocation annotation (alloc-status, alloc-release) names; none when it does not parse (the planner says why). */
export function allocationPods(sandbox: BatchSandbox, annotation: string): string[] {
  const value = sandbox.metadata.annotations?.[annotation];
  try {
    return value === undefined ? [] : parseAllocationAnnotation(value).pods;
  } catch {
    return [];
  }
}
