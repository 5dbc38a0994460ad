// The operator's image (images/operator-image.ts, `npm run image`) run as a pod on the stack's real node,
// the way a cluster runs it: non-root, read-only root filesystem, no capabilities, in-cluster credentials
// from its ServiceAccount. It must become Ready, serve a pooled sandbox and pause and resume a real
// container. The pod shares the host's network because the stack's apiserver and Temporal listen on
// loopback (kube-proxy cannot forward a Service to the host's loopback); the in-cluster client is pointed at the apiserver's
// loopback address through the variables a kubelet would set from the `kubernetes` Service.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, RbacAuthorizationV1Api, type V1Pod, type V1Volume } from '@kubernetes/client-node';
import { isReady, podName } from '../../planners/kube/pod-state.js';
import { freePort } from '../../stack/free-port.js';
import { REAL_NODE_LABEL } from '../../stack/real-node/kubelet.js';
import { realNodeOperatorEnv } from '../../stack/real-node/real-node.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { LifecycleNamespace } from '../support/lifecycle-namespace.js';
import { OPERATOR_USER } from '../../images/operator-image.js';
import { operatorRssMb, pushOperatorImage } from '../support/operator-image.js';
import { PoolNamespace } from '../support/pool-namespace.js';
import { execInPod, realNodeTemplate, whyPodCannotStart } from '../support/real-node-pods.js';
import { requireRealNode, testKubeConfig, testStackInfo } from '../support/stack.js';

const realNode = requireRealNode();
const stack = testStackInfo();
const suffix = randomBytes(4).toString('hex');
const ns = new PoolNamespace(`operator-image-${suffix}`);
const life = new LifecycleNamespace(ns);
const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const binding = `operator-image-${suffix}`;
const WAIT_MS = 60_000;

let imageReference = '';
let compressedBytes = 0;

beforeAll(async () => {
  ({ reference: imageReference, compressedBytes } = await pushOperatorImage(realNode));
  await ns.create();
  await core.createNamespacedServiceAccount({ namespace: ns.namespace, body: { metadata: { name: 'operator' } } });
  // What the image needs, not which rights: the chart's RBAC has its own test (helm-chart.test.ts).
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: binding },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns.namespace }],
    },
  });
}, 300_000);

afterAll(async () => {
  await core.deleteNamespacedPod({ name: 'operator', namespace: ns.namespace, gracePeriodSeconds: 5 }).catch(() => {});
  await rbac.deleteClusterRoleBinding({ name: binding }).catch(() => {});
  await ns.delete();
}, 120_000);

/**
 * The volume the ServiceAccount admission plugin adds to a pod, which the stack's apiserver runs without
 * (stack/kube-apiserver.ts): a token the kubelet requests for the pod, the cluster's CA, the namespace.
 */
const serviceAccountVolume: V1Volume = {
  name: 'service-account',
  projected: {
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

function operatorPod(httpPort: number): V1Pod {
  const api = new URL(stack.apiServerUrl);
  const [uid, gid] = OPERATOR_USER.split(':').map(Number);
  return {
    metadata: { name: 'operator', namespace: ns.namespace },
    spec: {
      serviceAccountName: 'operator',
      hostNetwork: true,
      nodeSelector: { [REAL_NODE_LABEL]: 'true' },
      tolerations: [{ key: REAL_NODE_LABEL, operator: 'Exists', effect: 'NoSchedule' }],
      terminationGracePeriodSeconds: 10,
      securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'operator',
          image: imageReference,
          env: Object.entries({
            KUBERNETES_SERVICE_HOST: api.hostname,
            KUBERNETES_SERVICE_PORT: api.port,
            TEMPORAL_ADDRESS: stack.temporalAddress,
            TEMPORAL_NAMESPACE: stack.temporalNamespace,
            TEMPORAL_TASK_QUEUE: `operator-image-${suffix}`,
            WATCH_NAMESPACE: ns.namespace,
            POD_NAMESPACE: ns.namespace,
            OPERATOR_HTTP_ADDRESS: `${realNode.nodeIp}:${httpPort}`,
            TASK_EXECUTOR_URL: stack.taskExecutorUrl,
            ...realNodeOperatorEnv(realNode),
          }).map(([name, value]) => ({ name, value })),
          readinessProbe: { httpGet: { path: '/readyz', port: httpPort }, periodSeconds: 1 },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          volumeMounts: [
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'service-account', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
          ],
        },
      ],
      volumes: [{ name: 'tmp', emptyDir: {} }, serviceAccountVolume],
    },
  };
}

async function operatorLog(): Promise<string> {
  return core.readNamespacedPodLog({ name: 'operator', namespace: ns.namespace, tailLines: 40 }).catch((err: unknown) => `(no log: ${String(err)})`);
}

/** A failure here is explained by what the operator logged. */
async function withOperatorLog<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new Error(`${(err as Error).message}\noperator log:\n${await operatorLog()}`, { cause: err });
  }
}

describe('the operator image on the real node', () => {
  it('runs as a non-root, read-only pod, becomes Ready, serves a pooled sandbox, and pauses and resumes a real container', async () => {
    const httpPort = await freePort(realNode.nodeIp);
    const created = Date.now();
    await core.createNamespacedPod({ namespace: ns.namespace, body: operatorPod(httpPort) });
    let pod: V1Pod | undefined;
    let cannotStart: string | undefined;
    await withOperatorLog(() =>
      waitUntil(
        async () => {
          pod = await core.readNamespacedPod({ name: 'operator', namespace: ns.namespace });
          cannotStart = await whyPodCannotStart(core, pod);
          return isReady(pod);
        },
        {
          what: 'the operator pod Ready',
          timeoutMs: WAIT_MS,
          assert: () => {
            if (cannotStart) throw new Error(`the operator pod cannot start: ${cannotStart}`);
          },
        },
      ),
    );
    const startToReadyMs = Date.now() - created;
    expect(pod!.status?.containerStatuses?.[0]?.restartCount).toBe(0);

    await ns.createPool(aPool('warm', ns.namespace).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 1, poolMax: 3 }).build());
    await ns.waitForStablePool('warm', (s) => s.available >= 1);
    await ns.createSandbox(aBatchSandbox('pooled', ns.namespace).poolRef('warm').build());
    await ns.waitForAllocation('pooled', 1);

    await ns.createSandbox(
      aBatchSandbox('real', ns.namespace)
        .replicas(1)
        .template(realNodeTemplate(realNode, [{ name: 'sandbox', command: 'sleep 3600' }]))
        .build(),
    );
    const running = await life.waitForSandbox('real', 'ready', (bs) => bs.status?.ready === 1, WAIT_MS);
    const [sandboxPod] = await life.podsOf(running);
    await execInPod(ns.namespace, podName(sandboxPod!), 'sandbox', 'echo kept > /tmp/kept.txt');
    await life.setPause('real', true);
    await life.waitForSettled('real', 'Paused', WAIT_MS);
    await life.setPause('real', false);
    const resumed = await life.waitForSandbox('real', 'resumed', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1, WAIT_MS);
    const [restored] = await life.podsOf(resumed);
    expect(await execInPod(ns.namespace, podName(restored!), 'sandbox', 'cat /tmp/kept.txt')).toBe('kept\n');

    const rssMb = operatorRssMb(pod!.metadata!.uid!);
    // The figures issue 12 asks for, read from the test log.
    process.stdout.write(
      `${JSON.stringify({ figure: 'operator-image', image: imageReference, compressed_bytes: compressedBytes, start_to_ready_ms: startToReadyMs, rss_mb: rssMb })}\n`,
    );
    expect(rssMb).toBeLessThan(512);
  }, 400_000);
});
