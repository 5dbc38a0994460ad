// The committer's reading of its Job: arguments exactly as planners/lifecycle/commit-job.ts writes them, the
// environment with errors naming the bad variable, and upstream's insecure-registry guess.
import { describe, expect, it } from '@jest/globals';
import { buildCommitJob, buildUnpauseJob, DEFAULT_COMMIT_JOB_SETTINGS } from '../../planners/lifecycle/commit-job.js';
import { isInsecureRegistry, parseCommitterArgs, parseCommitterEnvironment, UsageError } from '../../image-committer/committer-request.js';
import { describeCommand, errorLines } from '../../image-committer/node-tool.js';

const snapshot = { metadata: { name: 'sb-pause', namespace: 'team-a', uid: 'u1' } };
const target = {
  podName: 'sb-0',
  nodeName: 'node-1',
  containers: [
    { containerName: 'main', imageUri: 'registry.local:5000/snaps/sb-main:snap-gen2' },
    { containerName: 'sidecar', imageUri: 'registry.local:5000/snaps/sb-sidecar:snap-gen2' },
  ],
};

describe('parseCommitterArgs', () => {
  it('reads the commit Job the operator builds: pod, namespace, container:imageUri split on the first colon', () => {
    const job = buildCommitJob(snapshot, target, DEFAULT_COMMIT_JOB_SETTINGS);
    const args = job.spec!.template.spec!.containers[0]!.args!;
    expect(parseCommitterArgs(args)).toEqual({
      mode: 'commit',
      pod: 'sb-0',
      namespace: 'team-a',
      targets: [
        { container: 'main', imageUri: 'registry.local:5000/snaps/sb-main:snap-gen2' },
        { container: 'sidecar', imageUri: 'registry.local:5000/snaps/sb-sidecar:snap-gen2' },
      ],
    });
  });

  it('reads the unpause Job the operator builds', () => {
    const job = buildUnpauseJob(snapshot, target, DEFAULT_COMMIT_JOB_SETTINGS);
    expect(parseCommitterArgs(job.spec!.template.spec!.containers[0]!.args!)).toEqual({
      mode: 'unpause',
      pod: 'sb-0',
      namespace: 'team-a',
      containers: ['main', 'sidecar'],
    });
  });

  it.each([[[]], [['pod']], [['pod', 'ns']], [['pod', 'ns', 'no-image']], [['pod', 'ns', ':img:1']], [['pod', 'ns', 'c:']], [['unpause', 'pod', 'ns']]])(
    'rejects %j with the usage',
    (args) => {
      expect(() => parseCommitterArgs(args)).toThrow(UsageError);
      expect(() => parseCommitterArgs(args)).toThrow(/usage: image-committer/);
    },
  );
});

describe('parseCommitterEnvironment', () => {
  it('defaults to the standard containerd socket and namespace', () => {
    const env = parseCommitterEnvironment({});
    expect(env).toMatchObject({
      CONTAINERD_SOCKET: '/run/containerd/containerd.sock',
      CONTAINERD_NAMESPACE: 'k8s.io',
      REGISTRY_CONFIG: '/var/run/opensandbox/registry/config.json',
    });
    expect(env.SNAPSHOT_REGISTRY_INSECURE).toBeUndefined();
  });

  it('takes the Job environment the operator sets', () => {
    const job = buildCommitJob(snapshot, target, { ...DEFAULT_COMMIT_JOB_SETTINGS, registryInsecure: true });
    const env = Object.fromEntries(job.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(parseCommitterEnvironment(env)).toMatchObject({ CONTAINERD_SOCKET: '/var/run/containerd/containerd.sock', SNAPSHOT_REGISTRY_INSECURE: true });
  });

  it('names a bad variable', () => {
    expect(() => parseCommitterEnvironment({ SNAPSHOT_REGISTRY_INSECURE: 'maybe' })).toThrow(/SNAPSHOT_REGISTRY_INSECURE/);
  });
});

describe('isInsecureRegistry', () => {
  it('follows the setting when there is one', () => {
    expect(isInsecureRegistry('registry.example.com', true)).toBe(true);
    expect(isInsecureRegistry('localhost:5000', false)).toBe(false);
  });

  it.each([
    ['localhost:5000', true],
    ['registry.local', true],
    ['127.0.0.1:5000', true],
    ['10.1.2.3', true],
    ['192.168.1.10:5000', true],
    ['172.16.0.1', true],
    ['172.31.255.1', true],
    ['172.32.0.1', false],
    ['192.0.2.2:5000', false],
    ['ghcr.io', false],
  ])('guesses %s as %s without a setting (upstream heuristic)', (host, insecure) => {
    expect(isInsecureRegistry(host, undefined)).toBe(insecure);
  });
});

describe('node tool errors', () => {
  it('name the command without its connection flags, and keep the tool error without containerd log warnings', () => {
    expect(describeCommand('/usr/local/bin/ctr', ['--address', '/run/c.sock', '--namespace', 'k8s.io', 'tasks', 'resume', 'abc'])).toBe('ctr tasks resume abc');
    const stderr = 'time="2026-12-02T08:22:31Z" level=warning msg="DEPRECATION: cgroup v1"\nctr: cannot resume a running process\n';
    expect(errorLines(stderr)).toBe('ctr: cannot resume a running process');
  });
});
