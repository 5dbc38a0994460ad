// Registry credentials from a docker config.json (what `docker login` writes and what a Kubernetes
// `kubernetes.io/dockerconfigjson` Secret holds), looked up by registry host.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DOCKER_HUB_REGISTRY } from './image-reference.js';
import type { RegistryCredentials } from './registry-client.js';

const dockerConfigSchema = z.looseObject({
  auths: z.record(z.string(), z.looseObject({ auth: z.string().optional(), username: z.string().optional(), password: z.string().optional() })).optional(),
});

export type DockerConfig = z.infer<typeof dockerConfigSchema>;

/** Docker Hub's credentials are stored under its legacy v1 URL (`https://index.docker.io/v1/`). */
const DOCKER_HUB_KEYS = new Set([DOCKER_HUB_REGISTRY, 'docker.io', 'index.docker.io']);

/**
 * The credentials for `registry` (`host[:port]`): `auth` (base64 `user:pass`) wins over
 * `username`/`password`. Keys may be bare hosts or URLs such as `https://host` or `http://host/v1/`.
 */
export function credentialsFor(config: DockerConfig, registry: string): RegistryCredentials | undefined {
  const wanted = authKeyHost(registry);
  const isHub = DOCKER_HUB_KEYS.has(wanted);
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    const host = authKeyHost(key);
    if (host !== wanted && !(isHub && DOCKER_HUB_KEYS.has(host))) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      // The password may contain colons; the username cannot.
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username !== undefined && entry.password !== undefined) {
      return { username: entry.username, password: entry.password };
    }
  }
  return undefined;
}

/** The credentials for `registry` in the config.json at `path`; undefined when there is no such file. */
export function readDockerConfigCredentials(path: string, registry: string): RegistryCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return credentialsFor(parseDockerConfig(text, path), registry);
}

/** Parses a config.json's text; `source` names it in errors (a file path, a Secret). */
export function parseDockerConfig(text: string, source: string): DockerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`docker config ${source} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = dockerConfigSchema.safeParse(json);
  if (!parsed.success) throw new Error(`docker config ${source} is malformed: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** `https://Host:5000/v1/` → `host:5000`. */
function authKeyHost(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}
