// Operator configuration from environment variables and command-line flags (flags win).
// Every key has both spellings so a Deployment can use either `env:` or `args:`, and every
// rejected value names both, so the message points at whichever one the user actually set.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CommitAgentSettings, SnapshotSettings } from '../activities/lifecycle-activity-types.js';
import { DEFAULT_TASK_EXECUTOR_URL } from '../activities/task-executor-client.js';
import { COMMIT_AGENT_PORT, COMMIT_AGENT_SELECTOR } from '../api/commit-agent.js';
import { DNS1123_SUBDOMAIN } from '../api/v1alpha1/formats.js';
import { DEFAULT_COMMIT_JOB_SETTINGS } from '../planners/lifecycle/commit-job.js';
import { parsePositiveGoDuration } from '../planners/kube/go-duration.js';
import { isImageReference, isRegistryPrefix } from '../kernel/image-reference.js';
import { LOG_LEVELS, type LogLevel } from '../kernel/logger.js';

export type Role = 'watch' | 'work';
const ROLES: readonly Role[] = ['watch', 'work'];

export type KubeConfigSource = { kind: 'file'; path: string } | { kind: 'in-cluster' };

export interface TemporalTlsFiles {
  /** Client certificate and key for mTLS; always both or neither. */
  clientCertPair?: { certPath: string; keyPath: string };
  caPath?: string;
  serverName?: string;
}

export interface TemporalConfig {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** `false` = plaintext; an object (possibly empty) = TLS with the system roots unless caPath is set. */
  tls: TemporalTlsFiles | false;
  apiKey?: string;
}

export interface HostPort {
  /** undefined = all interfaces (the Go-style `:8081` form). */
  host: string | undefined;
  port: number;
}

export interface OperatorConfig {
  roles: ReadonlySet<Role>;
  kube: KubeConfigSource;
  temporal: TemporalConfig;
  httpAddress: HostPort;
  logLevel: LogLevel;
  /** '' = all namespaces. */
  watchNamespace: string;
  /** The operator's own namespace, where ConfigMap pool-assign-profiles is read; '' = built-in profile only. */
  podNamespace: string;
  workflowBundlePath: string;
  /** Pause commits: registry, credentials and the commit Job (spec §6.7, §7.1). */
  snapshot: SnapshotSettings;
  /** Deadlines of the pause and resume workflows as a whole (upstream has none: spec §10 B15). */
  lifecycle: { pauseTimeoutMs: number; resumeTimeoutMs: number };
  /** Where a pod's task-executor answers: a URL template with {podIP}, and optionally {namespace} and {pod}. */
  taskExecutorUrl: string;
}

/** The checked-out (or installed) package: the nearest directory holding package.json. */
function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isFile(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/** Where `npm run build` writes the pre-built workflow bundle (source and dist agree on it). */
export const DEFAULT_WORKFLOW_BUNDLE_PATH = join(packageRoot(), 'dist', 'workflow-bundle.js');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.map((p) => `invalid configuration: ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

// `[::1]:7233`, `temporal.example.com:7233`, `10.0.0.1:7233`; the HTTP address may omit the host.
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)?:(\d{1,5})$/;

function parseHostPort(value: string, opts: { hostOptional: boolean; minPort: number }): HostPort | undefined {
  const m = HOST_PORT.exec(value);
  const port = Number(m?.[2]);
  if (!m || (!m[1] && !opts.hostOptional) || port < opts.minPort || port > 65535) return undefined;
  return { host: m[1]?.replace(/^\[(.*)\]$/, '$1'), port };
}

const nonEmpty = z.string().regex(/^\S+$/);
/** A Secret's name: a DNS-1123 subdomain (the object-name format the CRDs use too). */
const secretName = z.string().max(253).regex(DNS1123_SUBDOMAIN);
const boolText = z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'] });
/** Milliseconds of a positive Go duration (`10m`, `90s`, `1h30m`). */
const goDuration = z.string().transform((v, ctx) => {
  const ms = parsePositiveGoDuration(v);
  if (ms === undefined) ctx.addIssue({ code: 'custom', message: 'not a positive duration' });
  return ms ?? z.NEVER;
});

interface KeySpec {
  env: string;
  flag: string;
  /** What a valid value looks like, for the error message. */
  expected: string;
  schema: z.ZodType<unknown, string>;
  default?: string;
  /** Never echo the value back (credentials). */
  secret?: boolean;
  /** A flag without `=value` means true. */
  boolean?: boolean;
}

const KEYS = {
  roles: {
    env: 'OPERATOR_ROLES',
    flag: '--roles',
    expected: `a comma-separated list of ${ROLES.join(', ')}`,
    default: ROLES.join(','),
    schema: z
      .string()
      .transform((s) => s.split(',').map((r) => r.trim()))
      .pipe(z.array(z.enum(ROLES)).min(1)),
  },
  kubeconfig: {
    env: 'KUBECONFIG',
    flag: '--kubeconfig',
    expected: 'the path of a kubeconfig file',
    schema: z.string().min(1),
  },
  temporalAddress: {
    env: 'TEMPORAL_ADDRESS',
    flag: '--temporal-address',
    expected: 'host:port',
    default: '127.0.0.1:7233',
    schema: z.string().refine((v) => parseHostPort(v, { hostOptional: false, minPort: 1 }) !== undefined),
  },
  temporalNamespace: {
    env: 'TEMPORAL_NAMESPACE',
    flag: '--temporal-namespace',
    expected: 'a Temporal namespace name',
    default: 'default',
    schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  },
  temporalTaskQueue: {
    env: 'TEMPORAL_TASK_QUEUE',
    flag: '--temporal-task-queue',
    expected: 'a task queue name without spaces',
    default: 'opensandbox-operator',
    schema: nonEmpty,
  },
  temporalTls: {
    env: 'TEMPORAL_TLS',
    flag: '--temporal-tls',
    expected: 'true or false',
    boolean: true,
    schema: boolText,
  },
  temporalTlsCertPath: {
    env: 'TEMPORAL_TLS_CERT_PATH',
    flag: '--temporal-tls-cert-path',
    expected: 'the path of a PEM client certificate',
    schema: z.string().min(1),
  },
  temporalTlsKeyPath: {
    env: 'TEMPORAL_TLS_KEY_PATH',
    flag: '--temporal-tls-key-path',
    expected: 'the path of a PEM client key',
    schema: z.string().min(1),
  },
  temporalTlsCaPath: {
    env: 'TEMPORAL_TLS_CA_PATH',
    flag: '--temporal-tls-ca-path',
    expected: 'the path of a PEM CA certificate',
    schema: z.string().min(1),
  },
  temporalTlsServerName: {
    env: 'TEMPORAL_TLS_SERVER_NAME',
    flag: '--temporal-tls-server-name',
    expected: 'a host name',
    schema: nonEmpty,
  },
  temporalApiKey: {
    env: 'TEMPORAL_API_KEY',
    flag: '--temporal-api-key',
    expected: 'a non-empty API key',
    secret: true,
    schema: nonEmpty,
  },
  httpAddress: {
    env: 'OPERATOR_HTTP_ADDRESS',
    flag: '--http-address',
    expected: 'host:port or :port (port 0 picks a free one)',
    default: '0.0.0.0:8081',
    schema: z.string().transform((v, ctx) => {
      const address = parseHostPort(v, { hostOptional: true, minPort: 0 });
      if (!address) ctx.addIssue({ code: 'custom', message: 'not host:port' });
      return address ?? z.NEVER;
    }),
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: '--log-level',
    expected: `one of ${LOG_LEVELS.join(', ')}`,
    default: 'info',
    schema: z.enum(LOG_LEVELS),
  },
  watchNamespace: {
    env: 'WATCH_NAMESPACE',
    flag: '--watch-namespace',
    expected: "a namespace name, or '' for all namespaces",
    default: '',
    schema: z.string().regex(/^$|^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/),
  },
  podNamespace: {
    // Upstream's name: set from the downward API (metadata.namespace).
    env: 'POD_NAMESPACE',
    flag: '--pod-namespace',
    expected: "the operator's namespace, or '' to use only the built-in auto-assign profile",
    default: '',
    schema: z.string().regex(/^$|^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/),
  },
  workflowBundle: {
    env: 'OPERATOR_WORKFLOW_BUNDLE',
    flag: '--workflow-bundle',
    expected: 'the path of the pre-built workflow bundle',
    default: DEFAULT_WORKFLOW_BUNDLE_PATH,
    schema: z.string().min(1),
  },
  snapshotRegistry: {
    env: 'SNAPSHOT_REGISTRY',
    flag: '--snapshot-registry',
    expected: "a registry and optional repository path, host[:port][/path] without scheme or tag, or '' (pause not configured)",
    default: '',
    schema: z.string().refine((v) => v === '' || isRegistryPrefix(v)),
  },
  snapshotPushSecret: {
    env: 'SNAPSHOT_PUSH_SECRET',
    flag: '--snapshot-push-secret',
    expected: 'the name of a dockerconfigjson Secret (a DNS-1123 subdomain)',
    schema: secretName,
  },
  resumePullSecret: {
    env: 'RESUME_PULL_SECRET',
    flag: '--resume-pull-secret',
    expected: 'the name of an image pull Secret (a DNS-1123 subdomain)',
    schema: secretName,
  },
  imageCommitterImage: {
    env: 'IMAGE_COMMITTER_IMAGE',
    flag: '--image-committer-image',
    expected: 'an image reference, e.g. registry.example.com/image-committer:v1',
    default: DEFAULT_COMMIT_JOB_SETTINGS.committerImage,
    schema: z.string().refine(isImageReference),
  },
  containerdSocketPath: {
    env: 'CONTAINERD_SOCKET_PATH',
    flag: '--containerd-socket-path',
    expected: 'the absolute host path of the containerd socket',
    default: DEFAULT_COMMIT_JOB_SETTINGS.containerdSocketPath,
    schema: z.string().regex(/^\/\S*$/),
  },
  snapshotRegistryInsecure: {
    env: 'SNAPSHOT_REGISTRY_INSECURE',
    flag: '--snapshot-registry-insecure',
    expected: 'true or false',
    boolean: true,
    default: String(DEFAULT_COMMIT_JOB_SETTINGS.registryInsecure),
    schema: boolText,
  },
  commitAgentTokenFile: {
    env: 'COMMIT_AGENT_TOKEN_FILE',
    flag: '--commit-agent-token-file',
    expected: "a readable file holding the node agents' bearer token (set: commits go to the node's agent when one is Ready there)",
    schema: z.string().min(1),
  },
  commitAgentNamespace: {
    env: 'COMMIT_AGENT_NAMESPACE',
    flag: '--commit-agent-namespace',
    expected: "the namespace of the node agents' pods (default: the operator's, POD_NAMESPACE)",
    schema: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/),
  },
  commitAgentSelector: {
    env: 'COMMIT_AGENT_SELECTOR',
    flag: '--commit-agent-selector',
    expected: "a label selector of the node agents' pods, e.g. app.kubernetes.io/component=commit-agent",
    default: COMMIT_AGENT_SELECTOR,
    schema: z.string().regex(/^[A-Za-z0-9./_-]+(=[A-Za-z0-9._-]*)?(,[A-Za-z0-9./_-]+(=[A-Za-z0-9._-]*)?)*$/),
  },
  commitAgentPort: {
    env: 'COMMIT_AGENT_PORT',
    flag: '--commit-agent-port',
    expected: 'a TCP port (1-65535)',
    default: String(COMMIT_AGENT_PORT),
    schema: z
      .string()
      .regex(/^\d{1,5}$/)
      .transform(Number)
      .pipe(z.number().int().min(1).max(65535)),
  },
  commitJobTimeout: {
    env: 'COMMIT_JOB_TIMEOUT',
    flag: '--commit-job-timeout',
    expected: 'a positive duration in whole seconds, e.g. 10m or 90s',
    default: `${DEFAULT_COMMIT_JOB_SETTINGS.timeoutSeconds}s`,
    // Whole seconds: it becomes the Job's activeDeadlineSeconds.
    schema: goDuration.refine((ms) => ms % 1000 === 0),
  },
  pauseTimeout: {
    env: 'PAUSE_TIMEOUT',
    flag: '--pause-timeout',
    expected: 'a positive duration, e.g. 15m',
    default: '15m',
    schema: goDuration,
  },
  taskExecutorUrl: {
    env: 'TASK_EXECUTOR_URL',
    flag: '--task-executor-url',
    expected: 'an http(s) URL template naming the pod by {podIP} or {pod}, e.g. http://{podIP}:5758',
    default: DEFAULT_TASK_EXECUTOR_URL,
    schema: z.url({ protocol: /^https?$/ }).refine((v) => v.includes('{podIP}') || v.includes('{pod}')),
  },
  resumeTimeout: {
    env: 'RESUME_TIMEOUT',
    flag: '--resume-timeout',
    expected: 'a positive duration, e.g. 10m',
    default: '10m',
    schema: goDuration,
  },
} satisfies Record<string, KeySpec>;

type Key = keyof typeof KEYS;
const KEY_NAMES = Object.keys(KEYS) as Key[];
const KEY_BY_FLAG = new Map<string, Key>(KEY_NAMES.map((k) => [KEYS[k].flag, k]));

// Every key is optional here: defaults are filled in before parsing, and the rest really are.
const CONFIG_SCHEMA = z.object(
  Object.fromEntries(KEY_NAMES.map((k) => [k, KEYS[k].schema.optional()])) as {
    [K in Key]: z.ZodOptional<(typeof KEYS)[K]['schema']>;
  },
);

export interface ConfigFiles {
  isFile(path: string): boolean;
  /** The file's text, or undefined when it cannot be read. */
  readText(path: string): string | undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `KEY (--flag): expected X, got "value"`: both spellings, so the user finds whichever they set. */
function problem(key: Key, raw: string | undefined, expected: string = KEYS[key].expected): string {
  const spec: KeySpec = KEYS[key];
  const got = raw === undefined ? 'nothing' : spec.secret ? 'a value (hidden)' : JSON.stringify(raw);
  return `${spec.env} (${spec.flag}): expected ${expected}, got ${got}`;
}

/** `--flag value`, `--flag=value`; boolean flags take no separate value. */
function parseFlags(argv: readonly string[], problems: string[]): Map<Key, string> {
  const values = new Map<Key, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const key = KEY_BY_FLAG.get(flag);
    if (!key) {
      problems.push(
        arg.startsWith('-')
          ? `unknown flag ${flag} (known flags: ${[...KEY_BY_FLAG.keys()].join(', ')})`
          : `unexpected argument ${JSON.stringify(arg)} (all settings are --flag value or --flag=value)`,
      );
      continue;
    }
    const spec: KeySpec = KEYS[key];
    if (eq >= 0) values.set(key, arg.slice(eq + 1));
    else if (spec.boolean) values.set(key, 'true');
    else if (i + 1 < argv.length) values.set(key, argv[++i]!);
    else problems.push(problem(key, undefined));
  }
  return values;
}

/** The node agents' settings when a token file is given; its problems (an unreadable or empty file, no namespace) added. */
function commitAgentSettings(
  parsed: z.infer<typeof CONFIG_SCHEMA>,
  raw: ReadonlyMap<Key, string>,
  files: ConfigFiles,
  problems: string[],
): CommitAgentSettings | undefined {
  const tokenFile = parsed.commitAgentTokenFile;
  if (tokenFile === undefined) return undefined;
  const token = files.readText(tokenFile)?.trim();
  if (!token) problems.push(problem('commitAgentTokenFile', tokenFile, 'a readable file holding a non-empty token'));
  const namespace = parsed.commitAgentNamespace ?? (parsed.podNamespace || undefined);
  if (namespace === undefined) {
    problems.push(
      `${problem('commitAgentNamespace', raw.get('commitAgentNamespace'))} (required with ${KEYS.commitAgentTokenFile.env} when POD_NAMESPACE is unset)`,
    );
  }
  if (!token || namespace === undefined) return undefined;
  return { namespace, selector: parsed.commitAgentSelector!, port: parsed.commitAgentPort!, token };
}

/**
 * Reads nothing but its arguments, apart from asking `files` whether paths exist and reading the token file.
 * Empty environment variables count as unset, as Kubernetes manifests often template `value: ""`.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  files: ConfigFiles = { isFile, readText },
): OperatorConfig {
  const problems: string[] = [];
  const flags = parseFlags(argv, problems);
  const raw = new Map<Key, string>();
  for (const key of KEY_NAMES) {
    const spec: KeySpec = KEYS[key];
    const value = flags.get(key) ?? (env[spec.env] || undefined) ?? spec.default;
    if (value !== undefined) raw.set(key, value);
  }

  const result = CONFIG_SCHEMA.safeParse(Object.fromEntries(raw));
  if (!result.success) {
    const badKeys = new Set(result.error.issues.map((issue) => issue.path[0] as Key));
    for (const key of badKeys) problems.push(problem(key, raw.get(key)));
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const parsed = result.data;

  const requireFile = (key: Key, path: string | undefined, expected: string) => {
    if (path !== undefined && !files.isFile(path)) problems.push(problem(key, path, expected));
  };

  const roles = new Set(parsed.roles);

  // Explicit kubeconfig, else the pod's service account, else kubectl's default file.
  const kube: KubeConfigSource =
    parsed.kubeconfig === undefined && env.KUBERNETES_SERVICE_HOST
      ? { kind: 'in-cluster' }
      : { kind: 'file', path: parsed.kubeconfig ?? join(env.HOME || homedir(), '.kube', 'config') };
  if (kube.kind === 'file') {
    const origin = parsed.kubeconfig === undefined ? ' (the default, as none was given outside a cluster)' : '';
    requireFile('kubeconfig', kube.path, `a readable kubeconfig file${origin}`);
  }

  const { temporalTlsCertPath: certPath, temporalTlsKeyPath: keyPath, temporalTlsCaPath: caPath } = parsed;
  const { temporalTlsServerName: serverName, temporalApiKey: apiKey } = parsed;
  if ((certPath === undefined) !== (keyPath === undefined)) {
    const missing: Key = certPath === undefined ? 'temporalTlsCertPath' : 'temporalTlsKeyPath';
    const present: Key = certPath === undefined ? 'temporalTlsKeyPath' : 'temporalTlsCertPath';
    problems.push(`${problem(missing, undefined)} (it must be given together with ${KEYS[present].env})`);
  }
  requireFile('temporalTlsCertPath', certPath, 'a readable PEM client certificate file');
  requireFile('temporalTlsKeyPath', keyPath, 'a readable PEM client key file');
  requireFile('temporalTlsCaPath', caPath, 'a readable PEM CA certificate file');

  // Any TLS setting or an API key turns TLS on (Temporal Cloud rejects API keys over plaintext);
  // an explicit TEMPORAL_TLS=false next to them is a contradiction, not a silent override.
  const tlsImplied = [certPath, keyPath, caPath, serverName, apiKey].some((v) => v !== undefined);
  const tlsExplicit = parsed.temporalTls;
  if (tlsExplicit === false && tlsImplied) {
    const expected = 'true (or unset) when TEMPORAL_API_KEY or TEMPORAL_TLS_* settings are given';
    problems.push(problem('temporalTls', raw.get('temporalTls'), expected));
  }

  const workflowBundlePath = parsed.workflowBundle!;
  if (roles.has('work')) {
    requireFile('workflowBundle', workflowBundlePath, 'an existing workflow bundle file (built by `npm run build`)');
  }

  // The commit Job runs inside the pause workflow: a pause deadline within the Job's would fail every
  // slow commit as a pause timeout before the Job could report its own.
  const commitJobTimeoutMs = parsed.commitJobTimeout!;
  if (parsed.pauseTimeout! <= commitJobTimeoutMs) {
    const longer = `a duration longer than ${KEYS.commitJobTimeout.env} (${KEYS.commitJobTimeout.flag}) = ${raw.get('commitJobTimeout')}`;
    problems.push(problem('pauseTimeout', raw.get('pauseTimeout'), longer));
  }

  const commitAgent = commitAgentSettings(parsed, raw, files, problems);

  if (problems.length > 0) throw new ConfigError(problems);

  const tls: TemporalTlsFiles | false =
    (tlsExplicit ?? tlsImplied)
      ? {
          ...(certPath && keyPath ? { clientCertPair: { certPath, keyPath } } : {}),
          ...(caPath ? { caPath } : {}),
          ...(serverName ? { serverName } : {}),
        }
      : false;

  return {
    roles,
    kube,
    temporal: {
      address: parsed.temporalAddress!,
      namespace: parsed.temporalNamespace!,
      taskQueue: parsed.temporalTaskQueue!,
      tls,
      ...(apiKey ? { apiKey } : {}),
    },
    httpAddress: parsed.httpAddress!,
    logLevel: parsed.logLevel!,
    watchNamespace: parsed.watchNamespace!,
    podNamespace: parsed.podNamespace!,
    workflowBundlePath,
    snapshot: {
      registry: parsed.snapshotRegistry!,
      ...(parsed.snapshotPushSecret ? { pushSecretName: parsed.snapshotPushSecret } : {}),
      ...(parsed.resumePullSecret ? { resumePullSecretName: parsed.resumePullSecret } : {}),
      committerImage: parsed.imageCommitterImage!,
      containerdSocketPath: parsed.containerdSocketPath!,
      registryInsecure: parsed.snapshotRegistryInsecure!,
      timeoutSeconds: commitJobTimeoutMs / 1000,
      ...(commitAgent ? { commitAgent } : {}),
    },
    taskExecutorUrl: parsed.taskExecutorUrl!,
    lifecycle: { pauseTimeoutMs: parsed.pauseTimeout!, resumeTimeoutMs: parsed.resumeTimeout! },
  };
}

/** The process's own configuration: `loadConfig` over its argv and environment. */
export function loadProcessConfig(): OperatorConfig {
  return loadConfig(process.argv.slice(2), process.env);
}
