// What a commit or unpause Job asks of the committer, from its arguments and environment exactly as
// planners/lifecycle/commit-job.ts builds them (spec §6.7/§6.8, upstream's committer takes the same):
//   image-committer <pod> <namespace> <container>:<imageUri>...
//   image-committer unpause <pod> <namespace> <container>...
//   image-committer serve        the node agent (ADR 0007): commits on request over HTTP
import { z } from 'zod';
import { COMMIT_AGENT_PORT } from '../api/commit-agent.js';

export interface CommitTarget {
  container: string;
  /** Where the container's snapshot image goes, `host[:port]/repo:tag`. */
  imageUri: string;
}

export type CommitterRequest =
  | { mode: 'commit'; pod: string; namespace: string; targets: CommitTarget[] }
  | { mode: 'unpause'; pod: string; namespace: string; containers: string[] }
  | { mode: 'serve' };

export class UsageError extends Error {}

const USAGE =
  'usage: image-committer <pod> <namespace> <container>:<imageUri>... | image-committer unpause <pod> <namespace> <container>... | image-committer serve';

export function parseCommitterArgs(argv: readonly string[]): CommitterRequest {
  if (argv[0] === 'serve') {
    if (argv.length > 1) throw new UsageError(`serve takes no arguments (its settings are environment variables); ${USAGE}`);
    return { mode: 'serve' };
  }
  if (argv[0] === 'unpause') {
    const [, pod, namespace, ...containers] = argv;
    if (!pod || !namespace || containers.length === 0 || containers.some((c) => !c)) throw new UsageError(USAGE);
    return { mode: 'unpause', pod, namespace, containers };
  }
  const [pod, namespace, ...pairs] = argv;
  if (!pod || !namespace || pairs.length === 0) throw new UsageError(USAGE);
  const targets = pairs.map((pair) => {
    // Split on the first colon only: the image URI has its own (`host:port/repo:tag`).
    const colon = pair.indexOf(':');
    const container = pair.slice(0, colon);
    const imageUri = pair.slice(colon + 1);
    if (colon <= 0 || !imageUri) throw new UsageError(`bad container target "${pair}" (want <container>:<imageUri>); ${USAGE}`);
    return { container, imageUri };
  });
  return { mode: 'commit', pod, namespace, targets };
}

const booleanText = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(['1', 't', 'true', 'yes', '0', 'f', 'false', 'no', '']))
  .transform((s) => ['1', 't', 'true', 'yes'].includes(s));

const environmentSchema = z.object({
  CONTAINERD_SOCKET: z.string().min(1).default('/run/containerd/containerd.sock'),
  CONTAINERD_NAMESPACE: z.string().min(1).default('k8s.io'),
  SNAPSHOT_REGISTRY_INSECURE: booleanText.optional(),
  /** The push secret's docker config (the commit Job mounts it here). */
  REGISTRY_CONFIG: z.string().min(1).default('/var/run/opensandbox/registry/config.json'),
  TERMINATION_LOG: z.string().min(1).default('/dev/termination-log'),
  CTR: z.string().min(1).default('/usr/local/bin/ctr'),
  CRICTL: z.string().min(1).default('/usr/local/bin/crictl'),
  /** serve: the port the agent listens on (all addresses). */
  COMMIT_AGENT_PORT: z.coerce.number().int().min(1).max(65535).default(COMMIT_AGENT_PORT),
  /** serve: the file holding the bearer token callers must present. */
  COMMIT_AGENT_TOKEN_FILE: z.string().min(1).default('/var/run/opensandbox/commit-agent/token'),
  /** serve: where the agent journals frozen containers, on the node's disk (survives the agent). */
  COMMIT_AGENT_STATE_DIR: z.string().min(1).default('/var/lib/opensandbox-commit-agent'),
});

export type CommitterEnvironment = z.infer<typeof environmentSchema>;

/** The committer's settings; an error names the bad variable. */
export function parseCommitterEnvironment(env: NodeJS.ProcessEnv): CommitterEnvironment {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`environment variable ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Whether to talk to a registry without TLS verification (and over plain HTTP when it has no TLS):
 * SNAPSHOT_REGISTRY_INSECURE when set, else upstream's guess from the host - local names and private
 * address ranges.
 */
export function isInsecureRegistry(host: string, insecureSetting: boolean | undefined): boolean {
  if (insecureSetting !== undefined) return insecureSetting;
  const name = host.replace(/:\d+$/, '');
  if (name.includes('local')) return true;
  if (name.startsWith('127.') || name.startsWith('10.') || name.startsWith('192.168.')) return true;
  const match = /^172\.(\d+)\./.exec(name);
  return match !== null && Number(match[1]) >= 16 && Number(match[1]) <= 31;
}
