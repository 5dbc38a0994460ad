// A recording fake of the apiserver calls the BatchSandbox controller makes: BatchSandbox metadata and
// status merge patches with resourceVersion preconditions, deletions, pod creates and deletes, and the
// SandboxSnapshot list. Every write is recorded, so a test asserts the exact writes a reconcile makes;
// `failNext` refuses the next one.
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { SANDBOX_SNAPSHOT } from '../../api/v1alpha1/group.js';
import type { BatchSandboxControllerOptions } from '../../watchers/batch-sandbox-controller.js';

/** An API object as stored: raw JSON, read by the tests as they expect it. */
type Json = Record<string, any>;

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Json = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

interface Write {
  verb: string;
  name: string;
  body?: Json;
}

/** The apiserver's copy of each sandbox, with resourceVersion preconditions; records every write. */
export function fakeBatchSandboxApi() {
  const sandboxes = new Map<string, Json>();
  /** The SandboxSnapshots the apiserver holds (a test's informer may show others). */
  const snapshots: Json[] = [];
  const writes: Write[] = [];
  let rv = 100;
  const failNext: { createPod?: Error; patch?: Error } = {};
  const patch =
    (target: string) =>
    async ({ name, body }: { name: string; body: Json }) => {
      writes.push({ verb: `patch ${target}`, name, body: structuredClone(body) });
      if (failNext.patch) {
        const err = failNext.patch;
        failNext.patch = undefined;
        throw err;
      }
      const current = sandboxes.get(name)!;
      if (body.metadata?.resourceVersion && body.metadata.resourceVersion !== current.metadata.resourceVersion) {
        throw new ApiException(409, 'conflict', '{"message":"the object has been modified"}', {});
      }
      const { metadata: _, ...rest } = body;
      const allowed =
        target === 'status'
          ? { status: rest.status }
          : { metadata: { annotations: body.metadata.annotations, finalizers: body.metadata.finalizers }, spec: rest.spec };
      // Through JSON: absent parts of the patch (undefined) must not touch the object.
      const updated = mergePatch(current, JSON.parse(JSON.stringify(allowed))) as Json;
      updated.metadata.resourceVersion = String(++rv);
      sandboxes.set(name, updated);
      return structuredClone(updated);
    };
  const customObjects = {
    patchNamespacedCustomObject: patch('metadata'),
    patchNamespacedCustomObjectStatus: patch('status'),
    deleteNamespacedCustomObject: async ({ name, body }: { name: string; body: Json }) => {
      writes.push({ verb: 'delete sandbox', name, body });
      return {};
    },
    listNamespacedCustomObject: async ({ plural, namespace }: { plural: string; namespace: string }) => {
      if (plural !== SANDBOX_SNAPSHOT.plural) throw new Error(`the fake lists SandboxSnapshots only, not ${plural}`);
      return { items: structuredClone(snapshots.filter((s) => s.metadata.namespace === namespace)) };
    },
  } as unknown as BatchSandboxControllerOptions['customObjects'];
  const core = {
    createNamespacedPod: async ({ body }: { body: V1Pod }) => {
      writes.push({ verb: 'create pod', name: body.metadata!.name!, body });
      if (failNext.createPod) {
        const err = failNext.createPod;
        failNext.createPod = undefined;
        throw err;
      }
      return body;
    },
    deleteNamespacedPod: async ({ name, body }: { name: string; body: Json }) => {
      writes.push({ verb: 'delete pod', name, body });
      return {};
    },
  } as unknown as BatchSandboxControllerOptions['core'];
  return {
    customObjects,
    core,
    writes,
    failNext,
    snapshots,
    /** Stores a sandbox as created by a client (a new resourceVersion). */
    put(bs: BatchSandbox): Json {
      const stored = structuredClone(bs) as Json;
      stored.metadata.resourceVersion = String(++rv);
      sandboxes.set(bs.metadata.name, stored);
      return stored;
    },
    get: (name: string) => sandboxes.get(name)!,
  };
}
