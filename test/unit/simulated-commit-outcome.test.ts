import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { V1Job, V1Pod, V1Secret } from '@kubernetes/client-node';
import { buildCommitJob, buildUnpauseJob, DEFAULT_COMMIT_JOB_SETTINGS, readCommitResult, type CommitTarget } from '../../planners/lifecycle/commit-job.js';
import { commitRequest, SIMULATED_COMMIT_ANNOTATION, simulatedCommitOutcome, type SimulatedCommitOutcome } from '../../stack/simulated-commit-outcome.js';
import { SIMULATED_REGISTRY_PASSWORD, SIMULATED_REGISTRY_USERNAME } from '../../stack/simulated-registry.js';
import { aPod } from '../builders/pod.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';

const NODE = 'kwok-node-0';
const REGISTRY = 'registry.example:5000/snapshots';
const target: CommitTarget = {
  podName: 'bs-0',
  nodeName: NODE,
  containers: [
    { containerName: 'sandbox', imageUri: `${REGISTRY}/bs-sandbox:snap-gen2` },
    { containerName: 'sidecar', imageUri: `${REGISTRY}/bs-sidecar:snap-gen2` },
  ],
};
const snapshot = aSandboxSnapshot('bs-pause', 'team').build();

/** The pod the Job controller creates from a Job's template. */
function podOf(job: V1Job): V1Pod {
  return { metadata: { name: `${job.metadata!.name}-x1`, namespace: 'team', labels: job.spec!.template.metadata!.labels }, spec: job.spec!.template.spec! };
}
const commitPod = (pushSecretName?: string): V1Pod => podOf(buildCommitJob(snapshot, target, { ...DEFAULT_COMMIT_JOB_SETTINGS, pushSecretName }));

function source(opts: { node?: string; containers?: string[]; knob?: string } = {}): V1Pod {
  const pod = aPod('bs-0', 'team')
    .onNode(opts.node ?? NODE)
    .build();
  pod.spec!.containers = (opts.containers ?? ['sandbox', 'sidecar']).map((name) => ({ name, image: `${name}:1` }));
  if (opts.knob) pod.metadata!.annotations = { [SIMULATED_COMMIT_ANNOTATION]: opts.knob };
  return pod;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
function pushSecret(auths: Record<string, Record<string, string>>): V1Secret {
  return {
    metadata: { name: 'push', namespace: 'team' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
  };
}
const good = { auth: b64(`${SIMULATED_REGISTRY_USERNAME}:${SIMULATED_REGISTRY_PASSWORD}`) };
const digestOf = (uri: string): string => `sha256:${createHash('sha256').update(`${uri}@uid-bs-0`).digest('hex')}`;
const committed = {
  containers: target.containers.map((c) => ({ name: c.containerName, image: c.imageUri, digest: digestOf(c.imageUri) })),
};
const success: SimulatedCommitOutcome = { state: 'succeeded', message: JSON.stringify(committed) };
const unauthorized: SimulatedCommitOutcome = {
  state: 'failed',
  message: `push ${REGISTRY}/bs-sandbox:snap-gen2: unauthorized: authentication required`,
};

describe('commitRequest', () => {
  it('splits each container spec on the first colon after the container name', () => {
    expect(commitRequest(commitPod())).toEqual({
      mode: 'commit',
      podName: 'bs-0',
      namespace: 'team',
      containers: [
        { name: 'sandbox', imageUri: `${REGISTRY}/bs-sandbox:snap-gen2` },
        { name: 'sidecar', imageUri: `${REGISTRY}/bs-sidecar:snap-gen2` },
      ],
    });
  });
});

describe('simulatedCommitOutcome', () => {
  const cases: Array<{ name: string; pod: V1Pod; sourcePod?: V1Pod; pushSecret?: V1Secret; expected: SimulatedCommitOutcome }> = [
    { name: 'anonymous push of every container', pod: commitPod(), sourcePod: source(), expected: success },
    {
      name: 'push secret with the simulated account (auth)',
      pod: commitPod('push'),
      sourcePod: source(),
      pushSecret: pushSecret({ 'registry.example:5000': good }),
      expected: success,
    },
    {
      name: 'push secret with the simulated account (username/password)',
      pod: commitPod('push'),
      sourcePod: source(),
      pushSecret: pushSecret({ 'registry.example:5000': { username: SIMULATED_REGISTRY_USERNAME, password: SIMULATED_REGISTRY_PASSWORD } }),
      expected: success,
    },
    {
      name: 'wrong password for the registry host',
      pod: commitPod('push'),
      sourcePod: source(),
      pushSecret: pushSecret({ 'registry.example:5000': { auth: b64(`${SIMULATED_REGISTRY_USERNAME}:nope`) } }),
      expected: unauthorized,
    },
    {
      name: 'wrong user (username/password)',
      pod: commitPod('push'),
      sourcePod: source(),
      pushSecret: pushSecret({ 'registry.example:5000': { username: 'mallory', password: SIMULATED_REGISTRY_PASSWORD } }),
      expected: unauthorized,
    },
    {
      name: 'credentials for another host only: anonymous push',
      pod: commitPod('push'),
      sourcePod: source(),
      pushSecret: pushSecret({ 'registry.example': { auth: b64('mallory:nope') } }),
      expected: success,
    },
    {
      name: 'mounted secret missing',
      pod: commitPod('push'),
      sourcePod: source(),
      expected: { state: 'failed', message: 'MountVolume.SetUp failed for volume "registry-creds": secret "push" not found' },
    },
    {
      name: 'mounted secret without .dockerconfigjson',
      pod: commitPod('push'),
      sourcePod: source(),
      pushSecret: { metadata: { name: 'push' }, data: {} },
      expected: {
        state: 'failed',
        message: 'MountVolume.SetUp failed for volume "registry-creds": references non-existent secret key: .dockerconfigjson',
      },
    },
    { name: 'source pod missing', pod: commitPod(), expected: { state: 'failed', message: 'container sandbox of pod team/bs-0 not found' } },
    {
      name: 'source pod on another node',
      pod: commitPod(),
      sourcePod: source({ node: 'kwok-node-1' }),
      expected: { state: 'failed', message: 'container sandbox of pod team/bs-0 not found' },
    },
    {
      name: 'source pod lacks a container',
      pod: commitPod(),
      sourcePod: source({ containers: ['sandbox'] }),
      expected: { state: 'failed', message: 'container sidecar of pod team/bs-0 not found' },
    },
    { name: 'knob hang', pod: commitPod(), sourcePod: source({ knob: 'hang' }), expected: { state: 'hang' } },
    { name: 'knob fail', pod: commitPod(), sourcePod: source({ knob: 'fail' }), expected: { state: 'failed', message: 'simulated commit failure' } },
    {
      name: 'unpause mode succeeds with an empty message',
      pod: podOf(buildUnpauseJob(snapshot, target, DEFAULT_COMMIT_JOB_SETTINGS)),
      expected: { state: 'succeeded', message: '' },
    },
  ];
  it.each(cases)('$name', ({ pod, sourcePod, pushSecret, expected }) => {
    expect(simulatedCommitOutcome({ pod, sourcePod, pushSecret })).toEqual(expected);
  });

  it('rejects args without <container>:<uri>', () => {
    const pod = commitPod();
    pod.spec!.containers[0]!.args = ['bs-0', 'team', 'sandbox'];
    expect(simulatedCommitOutcome({ pod, sourcePod: source(), pushSecret: undefined })).toEqual({
      state: 'failed',
      message: 'usage: image-committer <pod> <namespace> <container>:<uri>...; got ["bs-0","team","sandbox"]',
    });
  });

  it('leaves a termination message the operator reads as the commit result', () => {
    const pod = commitPod();
    pod.metadata!.labels = { ...pod.metadata!.labels, 'job-name': 'bs-pause-commit' };
    expect(simulatedCommitOutcome({ pod, sourcePod: source(), pushSecret: undefined })).toEqual(success);
    pod.status = {
      containerStatuses: [
        {
          name: 'commit',
          image: 'image-committer:dev',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, message: JSON.stringify(committed) } },
        },
      ],
    };
    expect(readCommitResult('bs-pause-commit', [pod])).toEqual({ ok: true, result: committed });
  });
});
