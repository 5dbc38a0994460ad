// The commit and unpause Jobs (spec §6.7), their outcome, and the committer's result (spec §6.8).
import { describe, expect, it } from '@jest/globals';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import {
  DEFAULT_COMMIT_JOB_SETTINGS,
  buildCommitJob,
  buildUnpauseJob,
  commitJobOutcome,
  readCommitResult,
  withLastAttempt,
  type CommitJobOutcome,
  type CommitTarget,
} from '../../planners/lifecycle/commit-job.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPod } from '../builders/pod.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';

const snapshot = aSandboxSnapshot('bs-pause', 'team-a').pauseOf(aBatchSandbox('bs', 'team-a').build()).build();
const target: CommitTarget = {
  podName: 'bs-0',
  nodeName: 'node-7',
  containers: [
    { containerName: 'sandbox', imageUri: 'registry.local:5000/bs-sandbox:snap-gen3' },
    { containerName: 'egress', imageUri: 'registry.local:5000/bs-egress:snap-gen3' },
  ],
};
const LABELS = {
  'sandbox.opensandbox.io/sandbox-snapshot-name': 'bs-pause',
  'sandbox.opensandbox.io/privileged-node-access': 'true',
};
const OWNER = [
  { apiVersion: 'sandbox.opensandbox.io/v1alpha1', kind: 'SandboxSnapshot', name: 'bs-pause', uid: 'uid-bs-pause', controller: true, blockOwnerDeletion: true },
];
const SECURITY = { runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };

describe('buildCommitJob', () => {
  it('builds upstream commit Job: pinned to the node, committer args per container, socket, defaults', () => {
    expect(buildCommitJob(snapshot, target, DEFAULT_COMMIT_JOB_SETTINGS)).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'bs-pause-commit', namespace: 'team-a', labels: LABELS, ownerReferences: OWNER },
      spec: {
        backoffLimit: 3,
        // A committer's permanent failure (exit 3) fails the Job without its retries.
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'commit', operator: 'In', values: [3] } }] },
        ttlSecondsAfterFinished: 300,
        activeDeadlineSeconds: 600,
        template: {
          metadata: { labels: LABELS },
          spec: {
            restartPolicy: 'Never',
            nodeName: 'node-7',
            containers: [
              {
                name: 'commit',
                image: 'opensandbox-temporal-operator/image-committer:0.1.0',
                imagePullPolicy: 'IfNotPresent',
                command: ['/usr/local/bin/image-committer'],
                args: ['bs-0', 'team-a', 'sandbox:registry.local:5000/bs-sandbox:snap-gen3', 'egress:registry.local:5000/bs-egress:snap-gen3'],
                env: [{ name: 'CONTAINERD_SOCKET', value: '/var/run/containerd/containerd.sock' }],
                volumeMounts: [{ name: 'containerd-sock', mountPath: '/var/run/containerd/containerd.sock' }],
                securityContext: SECURITY,
              },
            ],
            volumes: [{ name: 'containerd-sock', hostPath: { path: '/var/run/containerd/containerd.sock' } }],
          },
        },
      },
    });
  });

  it('adds the push secret as config.json, the insecure-registry flag, and the configured image, socket and deadline', () => {
    const job = buildCommitJob(snapshot, target, {
      committerImage: 'registry.local/committer:1.2',
      containerdSocketPath: '/run/k3s/containerd/containerd.sock',
      pushSecretName: 'push-creds',
      registryInsecure: true,
      timeoutSeconds: 90,
    });
    const pod = job.spec!.template.spec!;
    expect(job.spec!.activeDeadlineSeconds).toBe(90);
    expect(pod.containers[0]!.image).toBe('registry.local/committer:1.2');
    expect(pod.containers[0]!.env).toEqual([
      { name: 'CONTAINERD_SOCKET', value: '/var/run/containerd/containerd.sock' },
      { name: 'SNAPSHOT_REGISTRY_INSECURE', value: 'true' },
    ]);
    expect(pod.containers[0]!.volumeMounts).toEqual([
      { name: 'containerd-sock', mountPath: '/var/run/containerd/containerd.sock' },
      { name: 'registry-creds', mountPath: '/var/run/opensandbox/registry', readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'containerd-sock', hostPath: { path: '/run/k3s/containerd/containerd.sock' } },
      { name: 'registry-creds', secret: { secretName: 'push-creds', items: [{ key: '.dockerconfigjson', path: 'config.json' }] } },
    ]);
  });

  it('builds the unpause Job: no retry, container names only, no secret nor insecure flag', () => {
    const job = buildUnpauseJob(snapshot, target, { ...DEFAULT_COMMIT_JOB_SETTINGS, pushSecretName: 's', registryInsecure: true });
    expect(job.metadata).toMatchObject({ name: 'bs-pause-unpause', labels: LABELS });
    expect(job.spec).toMatchObject({ backoffLimit: 0, ttlSecondsAfterFinished: 300, activeDeadlineSeconds: 600 });
    const container = job.spec!.template.spec!.containers[0]!;
    expect(container.args).toEqual(['unpause', 'bs-0', 'team-a', 'sandbox', 'egress']);
    expect(container.env).toEqual([{ name: 'CONTAINERD_SOCKET', value: '/var/run/containerd/containerd.sock' }]);
    expect(job.spec!.template.spec!.volumes).toHaveLength(1);
  });
});

describe('commitJobOutcome', () => {
  const job = (status: V1Job['status']): V1Job => ({ metadata: { name: 'bs-pause-commit' }, spec: { activeDeadlineSeconds: 600, template: {} }, status });
  it.each<[string, V1Job['status'], CommitJobOutcome]>([
    ['no status yet', undefined, { state: 'running' }],
    ['a pod failed but retries remain', { failed: 1, active: 1 }, { state: 'running' }],
    ['Complete', { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }, { state: 'succeeded' }],
    ['succeeded count before the condition', { succeeded: 1 }, { state: 'succeeded' }],
    ['SuccessCriteriaMet (1.31+ interim)', { conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] }, { state: 'succeeded' }],
    [
      'Failed: BackoffLimitExceeded',
      { failed: 4, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] },
      { state: 'failed', reason: 'CommitJobFailed', message: 'BackoffLimitExceeded: Job has reached the specified backoff limit' },
    ],
    [
      'Failed: DeadlineExceeded -> Timeout',
      { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }] },
      { state: 'failed', reason: 'Timeout', message: 'commit job bs-pause-commit ran longer than its deadline of 600s' },
    ],
    [
      'FailureTarget: DeadlineExceeded (1.31+ interim) -> Timeout',
      { conditions: [{ type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded' }] },
      { state: 'failed', reason: 'Timeout', message: 'commit job bs-pause-commit ran longer than its deadline of 600s' },
    ],
    [
      'Failed without details',
      { conditions: [{ type: 'Failed', status: 'True' }] },
      { state: 'failed', reason: 'CommitJobFailed', message: 'Commit job failed' },
    ],
    ['a False condition counts for nothing', { conditions: [{ type: 'Failed', status: 'False' }] }, { state: 'running' }],
  ])('%s', (_name, status, outcome) => {
    expect(commitJobOutcome(job(status))).toEqual(outcome);
  });
});

describe('readCommitResult', () => {
  const RESULT = { containers: [{ name: 'sandbox', image: 'r/bs-sandbox:snap-gen3', digest: 'sha256:0123' }] };
  const jobPod = (name: string, exitCode: number, message: string, label = 'batch.kubernetes.io/job-name'): V1Pod => {
    const pod = aPod(name)
      .label(label, 'bs-pause-commit')
      .phase(exitCode === 0 ? 'Succeeded' : 'Failed')
      .build();
    pod.status!.containerStatuses = [{ name: 'commit', image: 'c', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, message } } }];
    return pod;
  };

  it('reads the termination message of the commit container that exited 0', () => {
    const pods = [jobPod('try-1', 1, 'push denied'), jobPod('try-2', 0, JSON.stringify(RESULT), 'job-name'), aPod('unrelated').build()];
    expect(readCommitResult('bs-pause-commit', pods)).toEqual({ ok: true, result: RESULT });
  });

  it.each<[string, V1Pod[], string]>([
    ['no pod exited 0', [jobPod('try-1', 1, 'x')], 'no pod of job bs-pause-commit has a commit container that exited 0'],
    ['not JSON', [jobPod('p', 0, 'SNAPSHOT_DIGEST=sha256:1')], 'commit result of job bs-pause-commit is not JSON'],
    ['no containers', [jobPod('p', 0, '{"containers":[]}')], 'commit result of job bs-pause-commit has an unexpected shape'],
  ])('refuses a result when %s', (_name, pods, message) => {
    const read = readCommitResult('bs-pause-commit', pods);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.message).toContain(message);
  });
});

describe('withLastAttempt', () => {
  const attempt = (name: string, exitCode: number, message: string, finishedAt: string): V1Pod => {
    const pod = aPod(name)
      .phase(exitCode === 0 ? 'Succeeded' : 'Failed')
      .build();
    pod.status!.containerStatuses = [
      {
        name: 'commit',
        image: 'c',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, message, finishedAt: new Date(finishedAt) } },
      },
    ];
    return pod;
  };
  const failed: CommitJobOutcome = { state: 'failed', reason: 'Timeout', message: 'commit job j ran longer than its deadline of 8s' };

  it("adds the latest failed attempt's message to a failed Job, so the user sees why it failed", () => {
    const pods = [
      attempt('try-2', 1, 'push r/x:1: unauthorized: authentication required', '2026-01-01T00:00:20Z'),
      attempt('try-1', 1, 'container c of pod ns/p not found', '2026-01-01T00:00:10Z'),
    ];
    expect(withLastAttempt(failed, pods)).toEqual({
      ...failed,
      message: 'commit job j ran longer than its deadline of 8s; last attempt: push r/x:1: unauthorized: authentication required',
    });
  });

  it('leaves a failure without failed attempts, and any other outcome, as it is', () => {
    expect(withLastAttempt(failed, [aPod('running').build()])).toEqual(failed);
    expect(withLastAttempt({ state: 'running' }, [attempt('try-1', 1, 'x', '2026-01-01T00:00:10Z')])).toEqual({ state: 'running' });
  });
});
