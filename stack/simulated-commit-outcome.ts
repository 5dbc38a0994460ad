// What the local stack's simulated image-committer (stack/simulated-committer.ts) does with a commit or
// unpause Job pod (spec §6.7/§6.8), decided from the pod, the source pod it names and the push Secret it
// mounts. It plays the real committer's observable contract, not nerdctl: containers must exist on the
// same node, the push is refused for wrong credentials, and success leaves the termination message
// `{"containers":[{"name","image","digest"}]}` with a digest derived from the image and the source pod.
import { createHash } from 'node:crypto';
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import { registryHost, SIMULATED_REGISTRY_PASSWORD, SIMULATED_REGISTRY_USERNAME } from './simulated-registry.js';

/**
 * Simulation knob, set on the SOURCE pod (never on real clusters): `hang` leaves the commit running
 * until its Job's activeDeadlineSeconds ends it, `fail` makes it exit 1.
 */
export const SIMULATED_COMMIT_ANNOTATION = 'simulation.opensandbox.io/commit';

/** The secret volume the commit Job mounts the push credentials from (planners/lifecycle/commit-job.ts). */
export const REGISTRY_CREDS_VOLUME = 'registry-creds';

const COMMITTER_CONTAINER = 'commit';
const DOCKER_CONFIG_KEY = '.dockerconfigjson';

/** What the committer was asked to do, from its container args. */
export type CommitRequest =
  | { mode: 'commit'; podName: string; namespace: string; containers: { name: string; imageUri: string }[] }
  | { mode: 'unpause' }
  | { mode: 'invalid'; message: string };

export function commitRequest(pod: V1Pod): CommitRequest {
  const args = pod.spec?.containers.find((c) => c.name === COMMITTER_CONTAINER)?.args ?? [];
  if (args[0] === 'unpause') return { mode: 'unpause' };
  const [podName, namespace, ...specs] = args;
  const containers = specs.map((spec) => {
    const colon = spec.indexOf(':');
    return colon > 0 ? { name: spec.slice(0, colon), imageUri: spec.slice(colon + 1) } : undefined;
  });
  if (!podName || !namespace || containers.length === 0 || containers.some((c) => c === undefined || c.imageUri === '')) {
    return { mode: 'invalid', message: `usage: image-committer <pod> <namespace> <container>:<uri>...; got ${JSON.stringify(args)}` };
  }
  return { mode: 'commit', podName, namespace, containers: containers as { name: string; imageUri: string }[] };
}

/** The Secret name of the pod's `registry-creds` volume, if it mounts one. */
export function pushSecretName(pod: V1Pod): string | undefined {
  return pod.spec?.volumes?.find((v) => v.name === REGISTRY_CREDS_VOLUME)?.secret?.secretName;
}

export type SimulatedCommitOutcome =
  /** Leave the pod Running: the Job's deadline ends it. */
  { state: 'hang' } | { state: 'succeeded'; message: string } | { state: 'failed'; message: string };

export interface SimulatedCommitInput {
  /** The commit or unpause Job pod, bound to a node. */
  pod: V1Pod;
  /** The pod its args name, as read from the cluster (undefined: not found). */
  sourcePod: V1Pod | undefined;
  /** The Secret of its `registry-creds` volume (undefined: none mounted, or not found). */
  pushSecret: V1Secret | undefined;
}

export function simulatedCommitOutcome({ pod, sourcePod, pushSecret }: SimulatedCommitInput): SimulatedCommitOutcome {
  const request = commitRequest(pod);
  if (request.mode === 'unpause') return { state: 'succeeded', message: '' };
  if (request.mode === 'invalid') return { state: 'failed', message: request.message };

  const secretName = pushSecretName(pod);
  if (secretName !== undefined && pushSecret === undefined) {
    // A real kubelet cannot mount the volume either; it reports this and never starts the committer.
    return { state: 'failed', message: `MountVolume.SetUp failed for volume "${REGISTRY_CREDS_VOLUME}": secret "${secretName}" not found` };
  }
  if (pushSecret !== undefined && pushSecret.data?.[DOCKER_CONFIG_KEY] === undefined) {
    return {
      state: 'failed',
      message: `MountVolume.SetUp failed for volume "${REGISTRY_CREDS_VOLUME}": references non-existent secret key: ${DOCKER_CONFIG_KEY}`,
    };
  }

  const source = `${request.namespace}/${request.podName}`;
  const sameNode = sourcePod !== undefined && sourcePod.spec?.nodeName === pod.spec?.nodeName;
  const sourceContainers = new Set((sameNode ? (sourcePod.spec?.containers ?? []) : []).map((c) => c.name));
  const missing = request.containers.find((c) => !sourceContainers.has(c.name));
  if (missing) return { state: 'failed', message: `container ${missing.name} of pod ${source} not found` };

  const knob = sourcePod!.metadata?.annotations?.[SIMULATED_COMMIT_ANNOTATION];
  if (knob === 'hang') return { state: 'hang' };
  if (knob === 'fail') return { state: 'failed', message: 'simulated commit failure' };

  const credentials = dockerConfigAuths(pushSecret);
  for (const { imageUri } of request.containers) {
    const login = credentials[registryHost(imageUri)];
    if (login && (login.username !== SIMULATED_REGISTRY_USERNAME || login.password !== SIMULATED_REGISTRY_PASSWORD)) {
      return { state: 'failed', message: `push ${imageUri}: unauthorized: authentication required` };
    }
  }

  const uid = sourcePod!.metadata?.uid ?? '';
  const containers = request.containers.map(({ name, imageUri }) => ({
    name,
    image: imageUri,
    digest: `sha256:${createHash('sha256').update(`${imageUri}@${uid}`).digest('hex')}`,
  }));
  return { state: 'succeeded', message: JSON.stringify({ containers }) };
}

interface Login {
  username: string;
  password: string;
}

/**
 * `auths` of the Secret's docker config, per registry host: `auth` (base64 `user:pass`) wins over
 * `username`/`password`, as in the committer. An unreadable config means no login (anonymous push).
 */
function dockerConfigAuths(secret: V1Secret | undefined): Record<string, Login | undefined> {
  const encoded = secret?.data?.[DOCKER_CONFIG_KEY];
  if (encoded === undefined) return {};
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as typeof config;
  } catch {
    return {};
  }
  return Object.fromEntries(
    Object.entries(config.auths ?? {}).map(([host, entry]) => {
      if (entry.auth) {
        const pair = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = pair.indexOf(':');
        return [host, { username: colon < 0 ? pair : pair.slice(0, colon), password: colon < 0 ? '' : pair.slice(colon + 1) }];
      }
      return [host, { username: entry.username ?? '', password: entry.password ?? '' }];
    }),
  );
}
