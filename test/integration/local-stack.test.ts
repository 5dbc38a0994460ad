// Cluster physics of the local stack the operator is tested on: kube-scheduler binds pods to kwok
// nodes where they become Running/Ready with an IP (kwok stands in for kubelet + container runtime),
// kube-controller-manager runs garbage collection and namespace deletion, authn and RBAC are real.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { waitUntil } from '../../stack/wait-until.js';
import { testKubeConfig, testStackInfo } from '../support/stack.js';

const ns = `stack-${Date.now().toString(36)}`;
let core: CoreV1Api;

beforeAll(async () => {
  core = testKubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => {});
});

describe('local stack', () => {
  it('schedules a pod onto a kwok node where it becomes Running and Ready with an IP (kwok simulates the kubelet)', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: { containers: [{ name: 'main', image: 'registry.example/web:1', command: ['sleep', '3600'] }] },
      },
    });
    let pod: V1Pod | undefined;
    await waitUntil(
      async () => {
        pod = await core.readNamespacedPod({ namespace: ns, name: 'web' });
        return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      },
      { what: 'pod web Ready', timeoutMs: 30_000 },
    );
    expect(testStackInfo().nodeNames).toContain(pod?.spec?.nodeName);
    expect(pod?.status?.phase).toBe('Running');
    expect(pod?.status?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
  });

  it('garbage-collects objects whose owner is deleted (kube-controller-manager)', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid!, blockOwnerDeletion: true }],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'owner' });
    await waitUntil(
      async () => {
        const list = await core.listNamespacedConfigMap({ namespace: ns });
        return !list.items.some((cm) => cm.metadata?.name === 'dependent');
      },
      { what: 'dependent ConfigMap garbage-collected', timeoutMs: 30_000 },
    );
  });

  it('finishes namespace deletion (kube-controller-manager)', async () => {
    const name = `${ns}-doomed`;
    await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: 'x' } } });
    await core.deleteNamespace({ name });
    await waitUntil(
      async () => {
        const list = await core.listNamespace();
        return !list.items.some((n) => n.metadata?.name === name);
      },
      { what: `namespace ${name} deleted`, timeoutMs: 60_000 },
    );
  });

  it('authenticates for real: an unknown token is rejected and a service account without RBAC grants is forbidden', async () => {
    const info = testStackInfo();
    const anonymous = withToken(info.kubeconfigPath, 'not-a-real-token');
    await expect(anonymous.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns })).rejects.toMatchObject({
      code: 401,
    });

    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } });
    const token = await core.createNamespacedServiceAccountToken({
      namespace: ns,
      name: 'nobody',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const nobody = withToken(info.kubeconfigPath, token.status!.token);
    await expect(nobody.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns })).rejects.toMatchObject({
      code: 403,
    });
  });
});

function withToken(kubeconfigPath: string, token: string | undefined): KubeConfig {
  if (!token) throw new Error('no token');
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfigPath);
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'other', token }],
    contexts: [{ name: 'other', cluster: cluster.name, user: 'other' }],
    currentContext: 'other',
  });
  return kc;
}
