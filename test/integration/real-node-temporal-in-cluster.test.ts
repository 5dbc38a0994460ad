// temporal-dev.yaml in the real node's cluster (issue 12): the project's Temporal dev server image runs
// there as the manifest says (non-root, SQLite on its PersistentVolumeClaim), and its Service is reached
// through kube-proxy - by the host's Temporal client, by a browser on the UI port, and from a pod.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { Connection } from '@temporalio/client';
import { podName } from '../../planners/kube/pod-state.js';
import { waitUntil } from '../../stack/wait-until.js';
import { OPERATOR_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { execInPod, realNodeTemplate } from '../support/real-node-pods.js';
import { requireRealNode, testKubeConfig } from '../support/stack.js';
import { applyTemporalDev, type TemporalInCluster } from '../support/temporal-in-cluster.js';

const realNode = requireRealNode();
const namespace = `temporal-in-cluster-${randomBytes(4).toString('hex')}`;
const core = testKubeConfig().makeApiClient(CoreV1Api);
const WAIT_MS = 90_000;
let temporal: TemporalInCluster | undefined;

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
}, 60_000);

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => {});
  await waitUntil(async () => (await core.listNamespacedPod({ namespace })).items.length === 0, { what: 'Temporal pods gone', timeoutMs: 60_000 }).catch(
    () => {},
  );
  await temporal?.removeVolume();
}, 120_000);

describe('temporal-dev.yaml on the real node', () => {
  it('runs the project image, and its Service answers the host’s Temporal client, the UI and a pod through kube-proxy', async () => {
    temporal = await applyTemporalDev(realNode, namespace, WAIT_MS);
    const { clusterIp } = temporal;
    expect(clusterIp).toMatch(/^10\.96\./);

    // The host reaches the ClusterIP as an operator outside the cluster would: the server answers and
    // knows the operator's search attributes (the manifest's flags).
    // kube-proxy programs the Service a moment after the pod is Ready; until then a recycled ClusterIP can
    // still lead to an earlier Service's endpoint (CI once got an HTTP 404 from another server there).
    const connected = Date.now();
    let searchAttributes: string[] = [];
    let lastError: unknown;
    await waitUntil(
      async () => {
        const connection = await Connection.connect({ address: temporal!.address, connectTimeout: 10_000 }).catch((err: unknown) => {
          lastError = err;
          return undefined;
        });
        if (!connection) return false;
        try {
          const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
          searchAttributes = Object.keys(customAttributes ?? {});
          return true;
        } catch (err) {
          lastError = err;
          return false;
        } finally {
          await connection.close();
        }
      },
      { what: 'the Temporal Service answering through kube-proxy', timeoutMs: 30_000, intervalMs: 500 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last error: ${String(lastError)}`);
    });
    expect(searchAttributes).toEqual(expect.arrayContaining(OPERATOR_SEARCH_ATTRIBUTES.map((a) => a.name)));
    const clientMs = Date.now() - connected;
    const ui = await fetch(`http://${clusterIp}:8233/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<html');

    // A pod reaches it through the same Service (the in-cluster operator's path).
    const client = 'service-client';
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: client }, spec: { ...realNodeTemplate(realNode, [{ name: 'client', command: 'sleep 3600' }]).spec } },
    });
    await waitUntil(async () => (await core.readNamespacedPod({ name: client, namespace })).status?.phase === 'Running', {
      what: 'client pod Running',
      timeoutMs: WAIT_MS,
    });
    const answer = await execInPod(
      namespace,
      client,
      'client',
      `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${clusterIp} 8233 | head -1; printf 'PRI * HTTP/2.0\\r\\n\\r\\n' | nc -w 2 ${clusterIp} 7233 >/dev/null && echo grpc-open`,
    );
    expect(answer).toMatch(/^HTTP\/1\.[01] 200/);
    expect(answer).toContain('grpc-open');

    const [pod] = (await core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=temporal-dev' })).items;
    expect(pod!.spec!.securityContext?.runAsUser).toBe(1000);
    process.stdout.write(
      `${JSON.stringify({ figure: 'temporal-in-cluster', image: realNode.images.temporalDev, pod: podName(pod!), apply_to_ready_ms: temporal.applyToReadyMs, client_connect_ms: clientMs })}\n`,
    );
  }, 240_000);
});
