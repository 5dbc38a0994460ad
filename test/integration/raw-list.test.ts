// The informers' list: plain JSON, page by page, from the real API server; and the compact cache built on it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { ApiException, CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { waitUntil } from '../../stack/wait-until.js';
import { apiErrorMessage } from '../../kernel/kube-errors.js';
import { createLogger } from '../../kernel/logger.js';
import { listRaw } from '../../watchers/raw-list.js';
import { makeTrimmedInformer } from '../../watchers/trimmed-informer.js';
import { testKubeConfig } from '../support/stack.js';

const ns = `raw-list-${Date.now().toString(36)}`;
let kubeConfig: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  kubeConfig = testKubeConfig();
  core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  for (let i = 0; i < 5; i++) {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: `cm-${i}`, labels: { set: i % 2 === 0 ? 'even' : 'odd' } }, data: { i: String(i) } },
    });
  }
});

afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => {});
});

describe('listRaw', () => {
  it('reads every page and returns the API JSON as it came (strings, not Dates)', async () => {
    const listed = await listRaw<V1ConfigMap>(kubeConfig, `/api/v1/namespaces/${ns}/configmaps`, { pageSize: 2 });
    const names = listed.items.map((cm) => cm.metadata?.name).filter((name) => name?.startsWith('cm-'));
    expect(names.sort()).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4']);
    expect(typeof listed.items[0]!.metadata!.creationTimestamp).toBe('string');
    expect(Number(listed.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('applies the label selector', async () => {
    const listed = await listRaw<V1ConfigMap>(kubeConfig, `/api/v1/namespaces/${ns}/configmaps`, { labelSelector: 'set=odd', pageSize: 1 });
    expect(listed.items.map((cm) => cm.metadata?.name).sort()).toEqual(['cm-1', 'cm-3']);
  });

  it('fails with the HTTP status and the API message, as the typed lists do', async () => {
    const err = await listRaw(kubeConfig, `/api/v1/namespaces/${ns}/widgets`).catch((failure: unknown) => failure);
    expect(err).toBeInstanceOf(ApiException);
    expect(err).toMatchObject({ code: 404, message: expect.stringContaining('HTTP-Code: 404') });
    expect(apiErrorMessage(err)).toBe('the server could not find the requested resource');
  });

  it('gives up on a page the server never answers (a dead connection), so the informer restarts', async () => {
    // Fault injection a real apiserver cannot produce: a server that accepts the request and stays silent.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const silentConfig = new KubeConfig();
      const { port } = silent.address() as AddressInfo;
      silentConfig.loadFromOptions({
        clusters: [{ name: 'silent', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
        users: [{ name: 'nobody' }],
        contexts: [{ name: 'silent', cluster: 'silent', user: 'nobody' }],
        currentContext: 'silent',
      });
      const started = Date.now();
      const err = await listRaw(silentConfig, '/api/v1/pods', { pageTimeoutMs: 500 }).catch((failure: unknown) => failure);
      expect(err).toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('makeTrimmedInformer', () => {
  it('caches listed and watched objects as plain JSON without managedFields', async () => {
    const informer = makeTrimmedInformer<V1ConfigMap>(kubeConfig, `/api/v1/namespaces/${ns}/configmaps`, {
      kind: 'ConfigMap',
      log: createLogger('silent'),
      labelSelector: 'set=even',
    });
    await informer.start();
    try {
      expect(
        informer
          .list(ns)
          .map((cm) => cm.metadata?.name)
          .sort(),
      ).toEqual(['cm-0', 'cm-2', 'cm-4']);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cm-watched', labels: { set: 'even' } } } });
      await waitUntil(async () => informer.get('cm-watched', ns) !== undefined, { what: 'cm-watched in the cache', timeoutMs: 10_000 });
      for (const cm of informer.list(ns)) {
        expect(cm.metadata).not.toHaveProperty('managedFields');
        expect(typeof cm.metadata?.creationTimestamp).toBe('string');
      }
    } finally {
      await informer.stop();
    }
  });
});
