// The apiserver floor of a delivery (issue 15): what the same creates and the same two writes per sandbox
// cost on the same stack with no operator at all. A copy of the BatchSandbox CRD under a group of its own
// (same schema, validation and status subresource, so each request costs the apiserver the same) is
// served by a "controller" in a process of its own, as the operator is (bench/floor-controller-main.ts): on
// each new object it writes alloc-status, endpoints and the finalizer in one metadata patch and the runtime
// status in one status patch, exactly the delivery's two writes, with pods taken from the warm pool's list
// and nothing decided in between.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ApiextensionsV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox } from '../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, FINALIZERS } from '../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, VERSION } from '../api/v1alpha1/group.js';
import { MERGE_PATCH } from '../kernel/kube-merge-patch.js';
import { computeRuntimeStatus } from '../planners/sandbox/batch-sandbox-status.js';
import { applyCrds, readCrdManifests } from '../stack/install-crds.js';
import { REPO_ROOT } from '../stack/toolchain.js';
import { watchSandboxes, type SandboxResource, type SandboxWatch } from './sandbox-watch.js';

export const FLOOR_SANDBOXES: SandboxResource = { group: 'floor.bench.opensandbox.io', kind: 'FloorBatchSandbox', plural: 'floorbatchsandboxes' };
const FLOOR_CRD_NAME = `${FLOOR_SANDBOXES.plural}.${FLOOR_SANDBOXES.group}`;

/** Installs the floor's copy of the BatchSandbox CRD (idempotent). */
export async function installFloorCrd(kc: KubeConfig): Promise<void> {
  const original = readCrdManifests().find((crd) => crd.metadata?.name === BATCH_SANDBOX.crdName);
  if (!original) throw new Error('the BatchSandbox CRD is not in crds/');
  const copy = structuredClone(original) as KubernetesObject & { spec: { group: string; names: Record<string, unknown> } };
  copy.metadata = { name: FLOOR_CRD_NAME };
  const { group, kind, plural } = FLOOR_SANDBOXES;
  copy.spec.group = group;
  // Names of its own: `kubectl get batchsandbox` must not find two resources of that name.
  copy.spec.names = { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() };
  await applyCrds(kc, [copy], 60_000);
}

/** Removes the floor's CRD (and with it every floor object). */
export async function removeFloorCrd(kc: KubeConfig): Promise<void> {
  await kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: FLOOR_CRD_NAME });
}

/** Serves floor BatchSandboxes in one namespace from the pods it was last given, one distinct pod per replica. */
export interface FloorServer extends SandboxWatch {
  /** The pods the next sandboxes get (the warm pool of the next trial). */
  usePods(pods: V1Pod[]): void;
}

/** Serves every floor BatchSandbox created in `namespace`. */
export async function serveFloorSandboxes(kc: KubeConfig, namespace: string): Promise<FloorServer> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const api = { group: FLOOR_SANDBOXES.group, version: VERSION, namespace, plural: FLOOR_SANDBOXES.plural };
  const served = new Set<string>();
  let pods: V1Pod[] = [];
  let next = 0;
  const serve = async (sandbox: BatchSandbox): Promise<void> => {
    const name = sandbox.metadata.name;
    const mine = pods.slice(next, next + sandbox.spec.replicas);
    next += mine.length;
    const { status, endpoints } = computeRuntimeStatus({ sandbox, pods: mine, now: new Date() });
    const metadata = {
      resourceVersion: sandbox.metadata.resourceVersion,
      annotations: {
        [ANNOTATIONS.allocStatus]: JSON.stringify({ pods: mine.map((p) => p.metadata!.name!) }),
        [ANNOTATIONS.endpoints]: JSON.stringify(endpoints),
      },
      finalizers: [FINALIZERS.poolAllocation],
    };
    await objects.patchNamespacedCustomObject({ ...api, name, body: { metadata } }, MERGE_PATCH);
    await objects.patchNamespacedCustomObjectStatus({ ...api, name, body: { status } }, MERGE_PATCH);
  };
  const watch = await watchSandboxes<BatchSandbox>(kc, FLOOR_SANDBOXES, namespace, (sandbox) => {
    if (served.has(sandbox.metadata.name)) return;
    served.add(sandbox.metadata.name);
    serve(sandbox).catch((err: unknown) => process.stderr.write(`floor: serving ${sandbox.metadata.name} failed: ${String(err)}\n`));
  });
  return {
    ...watch,
    usePods(warm) {
      pods = warm;
      next = 0;
    },
  };
}

/** Deletes every floor BatchSandbox in `namespace`, finalizer first (nothing else would remove it). */
export async function deleteFloorSandboxes(kc: KubeConfig, namespace: string): Promise<void> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const api = { group: FLOOR_SANDBOXES.group, version: VERSION, namespace, plural: FLOOR_SANDBOXES.plural };
  const list = (await objects.listNamespacedCustomObject(api)) as { items: BatchSandbox[] };
  await Promise.all(
    list.items.map((s) => objects.patchNamespacedCustomObject({ ...api, name: s.metadata.name, body: { metadata: { finalizers: null } } }, MERGE_PATCH)),
  );
  await objects.deleteCollectionNamespacedCustomObject(api);
}

/** The floor controller, in a process of its own, warm across trials. */
export interface FloorController {
  /** Hands it the namespace's pods as they are now (the warm pool), for the next trial's sandboxes. */
  nextTrial(): Promise<void>;
  stop(): void;
}

/** Starts the floor controller for `namespace`; resolves once it watches. */
export async function startFloorController(kubeconfigPath: string, namespace: string): Promise<FloorController> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'bench', 'floor-controller-main.js'), namespace], {
    env: { ...process.env, KUBECONFIG: kubeconfigPath },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // It answers each line on stdin (and its start) with `ready` once done.
  const waiting: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line === 'ready') waiting.shift()?.();
  });
  const ready = () =>
    new Promise<void>((resolve, reject) => {
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`floor controller exited (${code})`)));
    });
  await ready();
  return {
    nextTrial: async () => {
      const answered = ready();
      child.stdin.write('trial\n');
      await answered;
    },
    stop: () => child.kill('SIGTERM'),
  };
}
