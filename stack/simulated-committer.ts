// The local stack's stand-in for what kwok's stages cannot play on fake nodes (stack/kwok-stages.yaml):
// - the node's image-committer, plus the kubelet reporting its exit, for commit and unpause Job pods
//   (labelled privileged-node-access=true; kwok turns them Running and leaves the rest to this):
//   simulatedCommitOutcome decides, and the pod status is written through pods/status as a kubelet would;
// - failed image pulls: a Pending pod with an image on a `.invalid` registry (kwok never turns it Ready)
//   gets its containers waiting ErrImagePull.
// Runs in the stack's own process with the admin kubeconfig; stop() ends the watch and waits for writes.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Pod, type V1PodStatus } from '@kubernetes/client-node';
import { LABELS } from '../api/v1alpha1/contract.js';
import { isApiStatus, unlessNotFound } from '../kernel/kube-errors.js';
import { MERGE_PATCH } from '../kernel/kube-merge-patch.js';
import { createLogger } from '../kernel/logger.js';
import { ResourceInformer } from '../watchers/resource-informer.js';
import { RetryLater, SerialQueue } from '../watchers/serial-queue.js';
import { FAKE_NODE_LABEL } from './kwok.js';
import { commitRequest, pushSecretName, simulatedCommitOutcome } from './simulated-commit-outcome.js';
import { exitedStatus, imagePullFailedStatus, needsImagePullFailure } from './simulated-pod-status.js';

export interface SimulatedCommitter {
  stop(): Promise<void>;
}

/** Bound pods that have not finished: the only ones a kubelet still reports on. */
const FIELD_SELECTOR = 'spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed';

export async function startSimulatedCommitter(kubeConfig: KubeConfig, logPath: string): Promise<SimulatedCommitter> {
  const logFile = createWriteStream(logPath, { flags: 'a' });
  const log = createLogger('info', logFile).child({ stackComponent: 'simulated-committer' });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const pods = new ResourceInformer<V1Pod>({
    kind: 'Pod',
    listWatch: new ListWatch(
      '/api/v1/pods',
      new Watch(kubeConfig),
      () => core.listPodForAllNamespaces({ fieldSelector: FIELD_SELECTOR }),
      false,
      undefined,
      FIELD_SELECTOR,
    ),
    log,
  });

  const fakeNodes = new Set<string>();
  const onFakeNode = async (nodeName: string): Promise<boolean> => {
    if (fakeNodes.has(nodeName)) return true;
    const node = await unlessNotFound(core.readNode({ name: nodeName }));
    const fake = node?.metadata?.labels?.[FAKE_NODE_LABEL] === 'true';
    if (fake) fakeNodes.add(nodeName);
    return fake;
  };

  /** As a kubelet: pods/status, guarded by the resourceVersion the decision was made on. */
  const writeStatus = async (pod: V1Pod, status: V1PodStatus): Promise<void> => {
    const { namespace, name, resourceVersion } = pod.metadata!;
    try {
      await core.patchNamespacedPodStatus({ namespace: namespace!, name: name!, body: { metadata: { resourceVersion }, status } }, MERGE_PATCH);
    } catch (err) {
      if (isApiStatus(err, 404)) return;
      if (isApiStatus(err, 409)) throw new RetryLater('pod changed meanwhile', { cause: err });
      throw err;
    }
  };

  const commit = async (pod: V1Pod): Promise<void> => {
    const request = commitRequest(pod);
    const namespace = pod.metadata!.namespace!;
    const secretName = pushSecretName(pod);
    const [sourcePod, pushSecret] = await Promise.all([
      request.mode === 'commit' ? unlessNotFound(core.readNamespacedPod({ namespace: request.namespace, name: request.podName })) : undefined,
      secretName === undefined ? undefined : unlessNotFound(core.readNamespacedSecret({ namespace, name: secretName })),
    ]);
    const outcome = simulatedCommitOutcome({ pod, sourcePod, pushSecret });
    const fields = { kind: 'Pod', namespace, name: pod.metadata!.name, outcome: outcome.state };
    if (outcome.state === 'hang') {
      log.info(fields, 'Simulated commit hangs (source pod annotation)');
      return;
    }
    const exitCode = outcome.state === 'succeeded' ? 0 : 1;
    await writeStatus(pod, exitedStatus(pod, { exitCode, message: outcome.message }, new Date()));
    log.info({ ...fields, message: outcome.message }, 'Simulated committer exited');
  };

  const reconcile = async (key: string): Promise<void> => {
    const slash = key.indexOf('/');
    const pod = pods.get(key.slice(slash + 1), key.slice(0, slash));
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName || pod.metadata?.deletionTimestamp || !(await onFakeNode(nodeName))) return;
    if (needsImagePullFailure(pod)) {
      await writeStatus(pod, imagePullFailedStatus(pod, new Date()));
      log.info({ kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name }, 'Simulated image pull failure');
      return;
    }
    const committer = pod.metadata?.labels?.[LABELS.privilegedNodeAccess] === 'true';
    if (committer && pod.status?.phase === 'Running') await commit(pod);
  };

  const queue = new SerialQueue({ name: 'simulated-committer', worker: reconcile, log, concurrency: 4 });
  const enqueue = (pod: V1Pod): void => queue.enqueue(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
  pods.on('add', enqueue);
  pods.on('update', enqueue);
  await pods.start();

  return {
    stop: async () => {
      await pods.stop();
      await queue.stop();
      logFile.end();
      await once(logFile, 'close');
    },
  };
}
