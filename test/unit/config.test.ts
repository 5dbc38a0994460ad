import { describe, expect, it } from '@jest/globals';
import { ConfigError, DEFAULT_WORKFLOW_BUNDLE_PATH, loadConfig, type OperatorConfig } from '../../config/operator-config.js';

// Paths that "exist" for the fake filesystem; everything else is missing.
const EXISTING = new Set([
  '/home/op/.kube/config',
  '/etc/kube/admin.conf',
  DEFAULT_WORKFLOW_BUNDLE_PATH,
  '/srv/bundle.js',
  '/tls/client.crt',
  '/tls/client.key',
  '/tls/ca.crt',
]);
// Files with text for readText (the commit agents' token).
const TEXTS = new Map([
  ['/agent/token', 's3cret\n'],
  ['/agent/empty', '  \n'],
]);
const files = { isFile: (path: string) => EXISTING.has(path), readText: (path: string) => TEXTS.get(path) };
const BASE_ENV = { HOME: '/home/op' };

function load(argv: string[] = [], env: Record<string, string> = {}): OperatorConfig {
  return loadConfig(argv, { ...BASE_ENV, ...env }, files);
}

function problemOf(argv: string[], env: Record<string, string> = {}): string {
  try {
    load(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error(`expected a configuration error for ${JSON.stringify({ argv, env })}`);
}

describe('loadConfig defaults', () => {
  it('runs both roles against a local Temporal with kubectl default kubeconfig', () => {
    expect(load()).toEqual({
      roles: new Set(['watch', 'work']),
      kube: { kind: 'file', path: '/home/op/.kube/config' },
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'opensandbox-operator', tls: false },
      httpAddress: { host: '0.0.0.0', port: 8081 },
      logLevel: 'info',
      watchNamespace: '',
      podNamespace: '',
      workflowBundlePath: DEFAULT_WORKFLOW_BUNDLE_PATH,
      snapshot: {
        registry: '',
        committerImage: 'opensandbox-temporal-operator/image-committer:0.1.0',
        containerdSocketPath: '/var/run/containerd/containerd.sock',
        registryInsecure: false,
        timeoutSeconds: 600,
      },
      lifecycle: { pauseTimeoutMs: 15 * 60_000, resumeTimeoutMs: 10 * 60_000 },
      taskExecutorUrl: 'http://{podIP}:5758',
    });
  });

  it('uses the in-cluster service account inside a pod when no kubeconfig is given', () => {
    expect(load([], { KUBERNETES_SERVICE_HOST: '10.96.0.1' }).kube).toEqual({ kind: 'in-cluster' });
  });
});

describe('loadConfig overrides', () => {
  const cases: Array<{ name: string; argv?: string[]; env?: Record<string, string>; expected: Partial<OperatorConfig> }> = [
    { name: 'roles from env', env: { OPERATOR_ROLES: 'work' }, expected: { roles: new Set(['work']) } },
    { name: 'roles from flag', argv: ['--roles', 'watch'], expected: { roles: new Set(['watch']) } },
    { name: 'flag wins over env', argv: ['--roles=watch'], env: { OPERATOR_ROLES: 'work' }, expected: { roles: new Set(['watch']) } },
    { name: 'roles with spaces', argv: ['--roles', 'watch, work'], expected: { roles: new Set(['watch', 'work']) } },
    {
      name: 'explicit kubeconfig wins over in-cluster',
      env: { KUBECONFIG: '/etc/kube/admin.conf', KUBERNETES_SERVICE_HOST: '10.96.0.1' },
      expected: { kube: { kind: 'file', path: '/etc/kube/admin.conf' } },
    },
    { name: 'log level', argv: ['--log-level', 'debug'], expected: { logLevel: 'debug' } },
    { name: 'watch namespace', env: { WATCH_NAMESPACE: 'sandboxes' }, expected: { watchNamespace: 'sandboxes' } },
    { name: 'pod namespace (downward API)', env: { POD_NAMESPACE: 'opensandbox-system' }, expected: { podNamespace: 'opensandbox-system' } },
    { name: 'empty env counts as unset', env: { LOG_LEVEL: '' }, expected: { logLevel: 'info' } },
    { name: 'http port 0', argv: ['--http-address', '127.0.0.1:0'], expected: { httpAddress: { host: '127.0.0.1', port: 0 } } },
    { name: 'http address without host', argv: ['--http-address', ':9090'], expected: { httpAddress: { host: undefined, port: 9090 } } },
    { name: 'http address IPv6', argv: ['--http-address=[::1]:9090'], expected: { httpAddress: { host: '::1', port: 9090 } } },
    { name: 'workflow bundle', env: { OPERATOR_WORKFLOW_BUNDLE: '/srv/bundle.js' }, expected: { workflowBundlePath: '/srv/bundle.js' } },
    {
      name: 'watch-only does not need a workflow bundle',
      argv: ['--roles', 'watch', '--workflow-bundle', '/missing/bundle.js'],
      expected: { roles: new Set(['watch']), workflowBundlePath: '/missing/bundle.js' },
    },
  ];
  it.each(cases)('$name', ({ argv, env, expected }) => {
    expect(load(argv, env)).toMatchObject(expected);
  });

  it('reads the task-executor URL template (the local stack serves executors under a path per pod)', () => {
    const template = 'http://127.0.0.1:40123/pods/{namespace}/{pod}';
    expect(load(['--task-executor-url', template]).taskExecutorUrl).toBe(template);
  });

  it('reads the Temporal connection settings', () => {
    const { temporal } = load(['--temporal-address', 'temporal.example.com:7233', '--temporal-namespace', 'ops.a1b2c', '--temporal-task-queue=q1'], {});
    expect(temporal).toEqual({ address: 'temporal.example.com:7233', namespace: 'ops.a1b2c', taskQueue: 'q1', tls: false });
  });

  it('builds mTLS from cert, key, CA and server name', () => {
    const { temporal } = load([], {
      TEMPORAL_TLS_CERT_PATH: '/tls/client.crt',
      TEMPORAL_TLS_KEY_PATH: '/tls/client.key',
      TEMPORAL_TLS_CA_PATH: '/tls/ca.crt',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(temporal.tls).toEqual({
      clientCertPair: { certPath: '/tls/client.crt', keyPath: '/tls/client.key' },
      caPath: '/tls/ca.crt',
      serverName: 'temporal.internal',
    });
  });

  it('reads the snapshot settings', () => {
    const { snapshot, lifecycle } = load(
      [
        '--snapshot-registry=registry.example.com:5000/sandboxes/snapshots',
        '--snapshot-push-secret',
        'push-creds',
        '--resume-pull-secret=pull.creds',
        '--image-committer-image',
        'ghcr.io/opensandbox/image-committer:v0.2.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        '--containerd-socket-path=/run/k3s/containerd/containerd.sock',
        '--snapshot-registry-insecure',
        '--commit-job-timeout',
        '90s',
        '--resume-timeout=1h30m',
      ],
      { PAUSE_TIMEOUT: '5m' },
    );
    expect(snapshot).toEqual({
      registry: 'registry.example.com:5000/sandboxes/snapshots',
      pushSecretName: 'push-creds',
      resumePullSecretName: 'pull.creds',
      committerImage: 'ghcr.io/opensandbox/image-committer:v0.2.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      containerdSocketPath: '/run/k3s/containerd/containerd.sock',
      registryInsecure: true,
      timeoutSeconds: 90,
    });
    expect(lifecycle).toEqual({ pauseTimeoutMs: 5 * 60_000, resumeTimeoutMs: 90 * 60_000 });
  });

  it.each([
    ['localhost:5000', {}],
    ['registry.local', {}],
    ['10.0.0.5:5000/snap', {}],
    ['localhost:5000/a/b', { SNAPSHOT_REGISTRY_INSECURE: 'false' }],
  ])('accepts registry %s', (registry, env) => {
    expect(load(['--snapshot-registry', registry], env).snapshot).toMatchObject({ registry, registryInsecure: false });
  });

  it('turns TLS on with the bare flag and for an API key', () => {
    expect(load(['--temporal-tls']).temporal.tls).toEqual({});
    expect(load([], { TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({});
    expect(load([], { TEMPORAL_API_KEY: 'secret' }).temporal).toMatchObject({ tls: {}, apiKey: 'secret' });
    expect(load(['--temporal-tls=false']).temporal.tls).toBe(false);
  });
});

describe('loadConfig rejects bad values, naming the key in both spellings', () => {
  const cases: Array<{ argv?: string[]; env?: Record<string, string>; message: string }> = [
    {
      argv: ['--temporal-address', 'nope'],
      message: 'invalid configuration: TEMPORAL_ADDRESS (--temporal-address): expected host:port, got "nope"',
    },
    { env: { TEMPORAL_ADDRESS: 'localhost:99999' }, message: 'TEMPORAL_ADDRESS (--temporal-address): expected host:port, got "localhost:99999"' },
    { env: { LOG_LEVEL: 'loud' }, message: 'LOG_LEVEL (--log-level): expected one of fatal, error, warn, info, debug, trace, silent, got "loud"' },
    { argv: ['--roles', 'dance'], message: 'OPERATOR_ROLES (--roles): expected a comma-separated list of watch, work, got "dance"' },
    { argv: ['--roles', 'watch,'], message: 'OPERATOR_ROLES (--roles): expected a comma-separated list of watch, work, got "watch,"' },
    { env: { OPERATOR_HTTP_ADDRESS: '8081' }, message: 'OPERATOR_HTTP_ADDRESS (--http-address): expected host:port or :port' },
    { env: { WATCH_NAMESPACE: 'Team_A' }, message: 'WATCH_NAMESPACE (--watch-namespace): expected a namespace name' },
    { argv: ['--pod-namespace', 'Sys'], message: "POD_NAMESPACE (--pod-namespace): expected the operator's namespace" },
    { env: { TEMPORAL_TLS: 'maybe' }, message: 'TEMPORAL_TLS (--temporal-tls): expected true or false, got "maybe"' },
    { argv: ['--temporal-namespace', 'has space'], message: 'TEMPORAL_NAMESPACE (--temporal-namespace): expected a Temporal namespace name' },
    { argv: ['--temporal-task-queue', ''], message: 'TEMPORAL_TASK_QUEUE (--temporal-task-queue): expected a task queue name' },
    { argv: ['--kubeconfig', '/nowhere/config'], message: 'KUBECONFIG (--kubeconfig): expected a readable kubeconfig file, got "/nowhere/config"' },
    { env: { HOME: '/home/nobody' }, message: 'KUBECONFIG (--kubeconfig): expected a readable kubeconfig file (the default' },
    {
      env: { OPERATOR_WORKFLOW_BUNDLE: '/missing/bundle.js' },
      message: 'OPERATOR_WORKFLOW_BUNDLE (--workflow-bundle): expected an existing workflow bundle file',
    },
    {
      env: { TEMPORAL_TLS_CERT_PATH: '/tls/client.crt' },
      message: 'TEMPORAL_TLS_KEY_PATH (--temporal-tls-key-path): expected the path of a PEM client key, got nothing',
    },
    { env: { TEMPORAL_TLS_CA_PATH: '/tls/none.crt' }, message: 'TEMPORAL_TLS_CA_PATH (--temporal-tls-ca-path): expected a readable PEM CA certificate file' },
    {
      argv: ['--temporal-tls=false'],
      env: { TEMPORAL_API_KEY: 'secret' },
      message: 'TEMPORAL_TLS (--temporal-tls): expected true (or unset) when TEMPORAL_API_KEY',
    },
    { argv: ['--temporal-api-key', ''], message: 'TEMPORAL_API_KEY (--temporal-api-key): expected a non-empty API key, got a value (hidden)' },
    { argv: ['--log-level'], message: 'LOG_LEVEL (--log-level): expected one of fatal, error, warn, info, debug, trace, silent, got nothing' },
    { argv: ['--colour', 'blue'], message: 'invalid configuration: unknown flag --colour (known flags: --roles,' },
    { argv: ['serve'], message: 'invalid configuration: unexpected argument "serve"' },
    {
      argv: ['--snapshot-registry', 'https://registry.example.com'],
      message: 'SNAPSHOT_REGISTRY (--snapshot-registry): expected a registry and optional repository path, host[:port][/path] without scheme or tag',
    },
    { env: { SNAPSHOT_REGISTRY: 'registry.example.com/snaps:latest' }, message: 'SNAPSHOT_REGISTRY (--snapshot-registry): expected a registry' },
    { env: { SNAPSHOT_REGISTRY: 'registry.example.com/Snaps/' }, message: 'got "registry.example.com/Snaps/"' },
    {
      argv: ['--snapshot-push-secret', 'Push_Creds'],
      message: 'SNAPSHOT_PUSH_SECRET (--snapshot-push-secret): expected the name of a dockerconfigjson Secret (a DNS-1123 subdomain), got "Push_Creds"',
    },
    { env: { RESUME_PULL_SECRET: '-pull' }, message: 'RESUME_PULL_SECRET (--resume-pull-secret): expected the name of an image pull Secret' },
    {
      argv: ['--image-committer-image', 'Image Committer'],
      message:
        'IMAGE_COMMITTER_IMAGE (--image-committer-image): expected an image reference, e.g. registry.example.com/image-committer:v1, got "Image Committer"',
    },
    { env: { IMAGE_COMMITTER_IMAGE: 'committer:' }, message: 'IMAGE_COMMITTER_IMAGE (--image-committer-image): expected an image reference' },
    {
      argv: ['--containerd-socket-path', 'run/containerd.sock'],
      message: 'CONTAINERD_SOCKET_PATH (--containerd-socket-path): expected the absolute host path of the containerd socket, got "run/containerd.sock"',
    },
    { argv: ['--snapshot-registry-insecure=sometimes'], message: 'SNAPSHOT_REGISTRY_INSECURE (--snapshot-registry-insecure): expected true or false' },
    {
      argv: ['--commit-job-timeout', '10'],
      message: 'COMMIT_JOB_TIMEOUT (--commit-job-timeout): expected a positive duration in whole seconds, e.g. 10m or 90s, got "10"',
    },
    { env: { COMMIT_JOB_TIMEOUT: '0s' }, message: 'COMMIT_JOB_TIMEOUT (--commit-job-timeout): expected a positive duration' },
    { env: { COMMIT_JOB_TIMEOUT: '1500ms' }, message: 'COMMIT_JOB_TIMEOUT (--commit-job-timeout): expected a positive duration in whole seconds' },
    { argv: ['--pause-timeout', '-15m'], message: 'PAUSE_TIMEOUT (--pause-timeout): expected a positive duration, e.g. 15m, got "-15m"' },
    {
      argv: ['--pause-timeout', '10m'],
      message: 'PAUSE_TIMEOUT (--pause-timeout): expected a duration longer than COMMIT_JOB_TIMEOUT (--commit-job-timeout) = 600s, got "10m"',
    },
    {
      argv: ['--commit-job-timeout=20m'],
      message: 'PAUSE_TIMEOUT (--pause-timeout): expected a duration longer than COMMIT_JOB_TIMEOUT (--commit-job-timeout) = 20m, got "15m"',
    },
    { env: { RESUME_TIMEOUT: 'soon' }, message: 'RESUME_TIMEOUT (--resume-timeout): expected a positive duration, e.g. 10m, got "soon"' },
    {
      argv: ['--task-executor-url=http://executor:5758'],
      message:
        'TASK_EXECUTOR_URL (--task-executor-url): expected an http(s) URL template naming the pod by {podIP} or {pod}, e.g. http://{podIP}:5758, got "http://executor:5758"',
    },
    { env: { TASK_EXECUTOR_URL: 'ftp://{podIP}:5758' }, message: 'TASK_EXECUTOR_URL (--task-executor-url): expected an http(s) URL template' },
  ];
  it.each(cases)('$message', ({ argv = [], env = {}, message }) => {
    expect(problemOf(argv, env)).toContain(message);
  });

  it('reports every bad key at once', () => {
    const lines = problemOf(['--roles', 'dance', '--log-level', 'loud']).split('\n');
    expect(lines).toEqual([expect.stringContaining('OPERATOR_ROLES (--roles)'), expect.stringContaining('LOG_LEVEL (--log-level)')]);
  });

  it('never echoes a secret', () => {
    expect(problemOf(['--temporal-api-key', ''])).not.toContain('""');
  });
});

describe('loadConfig commit agents', () => {
  it('sends no commit to an agent unless a token file is given', () => {
    expect(load().snapshot.commitAgent).toBeUndefined();
  });

  it('reads the token (trimmed) and takes the namespace from POD_NAMESPACE, the selector and port by default', () => {
    expect(load(['--commit-agent-token-file=/agent/token'], { POD_NAMESPACE: 'opensandbox-system' }).snapshot.commitAgent).toEqual({
      namespace: 'opensandbox-system',
      selector: 'app.kubernetes.io/component=commit-agent',
      port: 8474,
      token: 's3cret',
    });
    expect(
      load([], {
        COMMIT_AGENT_TOKEN_FILE: '/agent/token',
        COMMIT_AGENT_NAMESPACE: 'agents',
        COMMIT_AGENT_SELECTOR: 'app=agent,tier=node',
        COMMIT_AGENT_PORT: '9000',
      }).snapshot.commitAgent,
    ).toEqual({ namespace: 'agents', selector: 'app=agent,tier=node', port: 9000, token: 's3cret' });
  });

  it('names the bad key: an unreadable or empty token file, no namespace, a bad selector or port', () => {
    expect(problemOf(['--commit-agent-token-file=/agent/missing'], { POD_NAMESPACE: 'ns' })).toMatch(
      /COMMIT_AGENT_TOKEN_FILE \(--commit-agent-token-file\).*non-empty token/,
    );
    expect(problemOf(['--commit-agent-token-file=/agent/empty'], { POD_NAMESPACE: 'ns' })).toMatch(/COMMIT_AGENT_TOKEN_FILE/);
    expect(problemOf(['--commit-agent-token-file=/agent/token'])).toMatch(/COMMIT_AGENT_NAMESPACE \(--commit-agent-namespace\).*POD_NAMESPACE is unset/);
    expect(problemOf(['--commit-agent-selector=a b'])).toMatch(/COMMIT_AGENT_SELECTOR/);
    expect(problemOf(['--commit-agent-port=70000'])).toMatch(/COMMIT_AGENT_PORT/);
  });
});
