// The commit Job `<snapshot>-commit` and the unpause Job `<snapshot>-unpause` (spec §6.7), their
// outcome, and the commit result the committer leaves in its termination message (spec §6.8).
//
// The commit Job runs the image-committer on the source pod's node (nodeName: no scheduler, no
// placement surprise): per container freeze, diff, thaw, push, with the host containerd socket
// and, when configured, the push secret's docker config. The Job objects are upstream's field for field;
// the settings are the operator's flags.
import type { V1EnvVar, V1Job, V1Pod, V1PodFailurePolicy, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { z } from 'zod';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { SANDBOX_SNAPSHOT } from '../../api/v1alpha1/group.js';
import { controllerReference } from '../kube/controller-reference.js';
import { commitJobName, unpauseJobName } from './snapshot-names.js';

/** Operator settings for commit Jobs (upstream flags in brackets). */
export interface CommitJobSettings {
  /** The image-committer image [--image-committer-image, default: the project's own, PROJECT_COMMITTER_IMAGE]. */
  committerImage: string;
  /** Host path of the containerd socket [--containerd-socket-path]. */
  containerdSocketPath: string;
  /** Secret (type dockerconfigjson) in the sandbox namespace used to push [--snapshot-push-secret]. */
  pushSecretName?: string;
  /** Push without TLS verification [--snapshot-registry-insecure]. */
  registryInsecure: boolean;
  /** Job activeDeadlineSeconds [--commit-job-timeout, default 10m]. */
  timeoutSeconds: number;
}

/**
 * The project's image-committer (image-committer/, built by images/): a user pushes it to a registry the
 * nodes can pull from and names it there; upstream's committer (`image-committer:dev`) works the same.
 */
export const PROJECT_COMMITTER_IMAGE = { repository: 'opensandbox-temporal-operator/image-committer', tag: '0.1.0' } as const;

export const DEFAULT_COMMIT_JOB_SETTINGS = {
  committerImage: `${PROJECT_COMMITTER_IMAGE.repository}:${PROJECT_COMMITTER_IMAGE.tag}`,
  containerdSocketPath: '/var/run/containerd/containerd.sock',
  registryInsecure: false,
  timeoutSeconds: 600,
} as const satisfies CommitJobSettings;

/** What the commit Job needs to know about its source (persisted on the snapshot status first). */
export interface CommitTarget {
  podName: string;
  nodeName: string;
  /** Container name -> image URI to commit it to, in pod order. */
  containers: { containerName: string; imageUri: string }[];
}

const COMMITTER_CONTAINER = 'commit';
const COMMITTER_COMMAND = '/usr/local/bin/image-committer';
/** Where the committer finds the socket inside its container (its CONTAINERD_SOCKET). */
const SOCKET_MOUNT_PATH = '/var/run/containerd/containerd.sock';
/** Where the committer looks for `config.json` (docker config of the push secret). */
const REGISTRY_CONFIG_DIR = '/var/run/opensandbox/registry';
const BACKOFF_LIMIT_COMMIT = 3;
/**
 * The committer's exit code for a failure a retry cannot fix (credentials refused, the container gone,
 * the node's disk full): the commit Job fails at once instead of spending its backoff on it. Upstream's
 * committer exits 1 on every failure, which keeps its retries.
 */
export const COMMITTER_PERMANENT_FAILURE_EXIT_CODE = 3;
const TTL_SECONDS_AFTER_FINISHED = 300;

/** What a Job needs of its snapshot: the name (labels, Job name) and the UID (owner reference). */
export interface SnapshotIdentity {
  metadata: { name: string; namespace?: string; uid?: string };
}

function jobLabels(snapshot: SnapshotIdentity): Record<string, string> {
  return { [LABELS.sandboxSnapshotName]: snapshot.metadata.name, [LABELS.privilegedNodeAccess]: 'true' };
}

interface JobShape {
  name: string;
  backoffLimit: number;
  podFailurePolicy?: V1PodFailurePolicy;
  args: string[];
  env: V1EnvVar[];
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
}

function nodeJob(snapshot: SnapshotIdentity, target: CommitTarget, settings: CommitJobSettings, shape: JobShape): V1Job {
  const labels = jobLabels(snapshot);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: shape.name,
      namespace: snapshot.metadata.namespace,
      labels,
      ownerReferences: [controllerReference(SANDBOX_SNAPSHOT.kind, snapshot.metadata)],
    },
    spec: {
      backoffLimit: shape.backoffLimit,
      ...(shape.podFailurePolicy ? { podFailurePolicy: shape.podFailurePolicy } : {}),
      ttlSecondsAfterFinished: TTL_SECONDS_AFTER_FINISHED,
      activeDeadlineSeconds: settings.timeoutSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          nodeName: target.nodeName,
          containers: [
            {
              name: COMMITTER_CONTAINER,
              image: settings.committerImage,
              imagePullPolicy: 'IfNotPresent',
              command: [COMMITTER_COMMAND],
              args: shape.args,
              env: [{ name: 'CONTAINERD_SOCKET', value: SOCKET_MOUNT_PATH }, ...shape.env],
              volumeMounts: [{ name: 'containerd-sock', mountPath: SOCKET_MOUNT_PATH }, ...shape.mounts],
              securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
          volumes: [{ name: 'containerd-sock', hostPath: { path: settings.containerdSocketPath } }, ...shape.volumes],
        },
      },
    },
  };
}

/** The commit Job: `image-committer <pod> <namespace> <container>:<imageUri>...` on the source node. */
export function buildCommitJob(snapshot: SnapshotIdentity, target: CommitTarget, settings: CommitJobSettings): V1Job {
  const secret = settings.pushSecretName;
  return nodeJob(snapshot, target, settings, {
    name: commitJobName(snapshot.metadata.name),
    backoffLimit: BACKOFF_LIMIT_COMMIT,
    podFailurePolicy: {
      rules: [
        {
          action: 'FailJob',
          onExitCodes: { containerName: COMMITTER_CONTAINER, operator: 'In', values: [COMMITTER_PERMANENT_FAILURE_EXIT_CODE] },
        },
      ],
    },
    args: [target.podName, snapshot.metadata.namespace ?? '', ...target.containers.map((c) => `${c.containerName}:${c.imageUri}`)],
    env: settings.registryInsecure ? [{ name: 'SNAPSHOT_REGISTRY_INSECURE', value: 'true' }] : [],
    volumes: secret ? [{ name: 'registry-creds', secret: { secretName: secret, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } }] : [],
    mounts: secret ? [{ name: 'registry-creds', mountPath: REGISTRY_CONFIG_DIR, readOnly: true }] : [],
  });
}

/**
 * The unpause Job, run once after a failed commit so no container stays frozen (the committer unpauses
 * on its own exit, but not when it was killed hard): `image-committer unpause <pod> <namespace> <c>...`.
 */
export function buildUnpauseJob(snapshot: SnapshotIdentity, target: CommitTarget, settings: CommitJobSettings): V1Job {
  return nodeJob(snapshot, target, settings, {
    name: unpauseJobName(snapshot.metadata.name),
    backoffLimit: 0,
    args: ['unpause', target.podName, snapshot.metadata.namespace ?? '', ...target.containers.map((c) => c.containerName)],
    env: [],
    volumes: [],
    mounts: [],
  });
}

export type CommitJobOutcome =
  | { state: 'running' }
  | { state: 'succeeded' }
  /** reason `Timeout` when the Job overran activeDeadlineSeconds, `CommitJobFailed` otherwise. */
  | { state: 'failed'; reason: 'Timeout' | 'CommitJobFailed'; message: string };

/** Where a Job stands, from its status (conditions Complete / Failed, and the 1.31+ interim ones). */
export function commitJobOutcome(job: V1Job): CommitJobOutcome {
  const conditions = (job.status?.conditions ?? []).filter((c) => c.status === 'True');
  const failed = conditions.find((c) => c.type === 'Failed') ?? conditions.find((c) => c.type === 'FailureTarget');
  if (failed) {
    if (failed.reason === 'DeadlineExceeded') {
      const limit = job.spec?.activeDeadlineSeconds;
      return {
        state: 'failed',
        reason: 'Timeout',
        message: `commit job ${job.metadata?.name ?? ''} ran longer than its deadline${limit === undefined ? '' : ` of ${limit}s`}`,
      };
    }
    const detail = [failed.reason, failed.message].filter(Boolean).join(': ');
    return { state: 'failed', reason: 'CommitJobFailed', message: detail || 'Commit job failed' };
  }
  const complete = conditions.some((c) => c.type === 'Complete' || c.type === 'SuccessCriteriaMet');
  return complete || (job.status?.succeeded ?? 0) > 0 ? { state: 'succeeded' } : { state: 'running' };
}

/**
 * A failed Job says only "DeadlineExceeded" or "BackoffLimitExceeded"; why its attempts failed (a push
 * refused by the registry, a container not found) is in the termination message of the latest failed
 * committer. The failure carries it, so PauseFailed tells the user what to fix.
 */
export function withLastAttempt<O extends CommitJobOutcome>(outcome: O, pods: readonly V1Pod[]): O {
  if (outcome.state !== 'failed') return outcome;
  const attempts = pods
    .flatMap((pod) => pod.status?.containerStatuses ?? [])
    .filter((s) => s.name === COMMITTER_CONTAINER && (s.state?.terminated?.exitCode ?? 0) !== 0 && s.state?.terminated?.message)
    .map((s) => s.state!.terminated!)
    .sort((a, b) => (a.finishedAt?.getTime() ?? 0) - (b.finishedAt?.getTime() ?? 0));
  const last = attempts.at(-1)?.message?.trim();
  return last ? { ...outcome, message: `${outcome.message}; last attempt: ${last}` } : outcome;
}

/** The committer's termination message: `{"containers":[{"name","image","digest"}]}`. */
const commitResultSchema = z.object({
  containers: z.array(z.object({ name: z.string().min(1), image: z.string().min(1), digest: z.string() })).min(1),
});
export type CommitResult = z.infer<typeof commitResultSchema>;

export type CommitResultRead = { ok: true; result: CommitResult } | { ok: false; message: string };

/** The label the Job controller puts on a Job's pods (older clusters: `job-name` only). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

/** The Job a pod belongs to, by its job-name label. */
export function jobNameOf(pod: V1Pod): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  return labels[JOB_NAME_LABEL] ?? labels['job-name'];
}

/**
 * The result of a succeeded commit Job, from its pods: the `commit` container that exited 0 with a valid
 * termination message. A malformed message is an error the caller retries and eventually reports, never a
 * snapshot without digests.
 */
export function readCommitResult(jobName: string, pods: readonly V1Pod[]): CommitResultRead {
  const ofJob = pods.filter((pod) => jobNameOf(pod) === jobName);
  const terminated = ofJob
    .flatMap((pod) => pod.status?.containerStatuses ?? [])
    .filter((s) => s.name === COMMITTER_CONTAINER && s.state?.terminated?.exitCode === 0)
    .map((s) => s.state!.terminated!.message ?? '');
  if (terminated.length === 0) return { ok: false, message: `no pod of job ${jobName} has a commit container that exited 0` };
  let json: unknown;
  try {
    json = JSON.parse(terminated[0]!);
  } catch (err) {
    return { ok: false, message: `commit result of job ${jobName} is not JSON: ${(err as Error).message}` };
  }
  const parsed = commitResultSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, message: `commit result of job ${jobName} has an unexpected shape: ${parsed.error.issues[0]!.message}` };
  }
  return { ok: true, result: parsed.data };
}
