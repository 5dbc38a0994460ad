// The benchmark's apiserver floor (bench/apiserver-floor.ts) on the stack's real kube-apiserver: its copy of
// the BatchSandbox CRD is served, and its controller delivers each new sandbox with the operator's two
// writes (alloc-status, endpoints and finalizer; then the status), from the pods it was handed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { ANNOTATIONS, FINALIZERS } from '../../api/v1alpha1/contract.js';
import { VERSION } from '../../api/v1alpha1/group.js';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { deleteFloorSandboxes, FLOOR_SANDBOXES, installFloorCrd, removeFloorCrd, serveFloorSandboxes } from '../../bench/apiserver-floor.js';
import { waitUntil } from '../../stack/wait-until.js';
import { PoolNamespace } from '../support/pool-namespace.js';
import { testKubeConfig } from '../support/stack.js';

const ns = new PoolNamespace(`floor-${Date.now().toString(36)}`);
const { namespace } = ns;
const kc = testKubeConfig();
const objects = kc.makeApiClient(CustomObjectsApi);
const { group, kind, plural } = FLOOR_SANDBOXES;
const api = { group, version: VERSION, namespace, plural };

beforeAll(async () => {
  await ns.create();
  await installFloorCrd(kc);
}, 90_000);
// The stack is shared: its CRD goes too, so nothing else sees a resource it did not expect.
afterAll(async () => {
  await removeFloorCrd(kc);
  await ns.delete();
}, 60_000);

describe('apiserver floor', () => {
  it('delivers each new floor sandbox with two writes from the pods it was handed, and deletes them', async () => {
    for (const name of ['warm-a', 'warm-b', 'warm-c']) {
      await ns.core.createNamespacedPod({ namespace, body: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'warm' }] } } });
    }
    const server = await serveFloorSandboxes(kc, namespace);
    try {
      server.usePods((await ns.core.listNamespacedPod({ namespace })).items);
      await objects.createNamespacedCustomObject({
        ...api,
        body: { apiVersion: `${group}/${VERSION}`, kind, metadata: { name: 'two' }, spec: { replicas: 2, poolRef: 'warm' } },
      });
      await objects.createNamespacedCustomObject({
        ...api,
        body: { apiVersion: `${group}/${VERSION}`, kind, metadata: { name: 'one' }, spec: { replicas: 1, poolRef: 'warm' } },
      });
      const read = async (name: string) => (await objects.getNamespacedCustomObject({ ...api, name })) as BatchSandbox;
      await waitUntil(async () => (await read('two')).status?.allocated === 2 && (await read('one')).status?.allocated === 1, {
        what: 'both floor sandboxes delivered',
        timeoutMs: 30_000,
      });
      const pods = await Promise.all(
        ['two', 'one'].map(async (name) => JSON.parse((await read(name)).metadata.annotations![ANNOTATIONS.allocStatus]!).pods as string[]),
      );
      expect(pods.map((p) => p.length)).toEqual([2, 1]);
      expect(new Set(pods.flat()).size).toBe(3);
      expect((await read('two')).metadata.finalizers).toEqual([FINALIZERS.poolAllocation]);
    } finally {
      server.stop();
    }
    await deleteFloorSandboxes(kc, namespace);
    await waitUntil(async () => ((await objects.listNamespacedCustomObject(api)) as { items: unknown[] }).items.length === 0, {
      what: 'floor sandboxes deleted',
      timeoutMs: 30_000,
    });
  });
});
