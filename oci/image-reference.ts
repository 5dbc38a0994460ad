// Image references split into what the distribution API needs (registry host, repository, tag or
// digest), normalized as docker does so that `busybox` and `docker.io/library/busybox` are one image.
import { isImageReference } from '../kernel/image-reference.js';
import { SHA256_DIGEST } from './digest.js';

/** Where Docker Hub's distribution API is served (docker.io itself only redirects there). */
export const DOCKER_HUB_REGISTRY = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', DOCKER_HUB_REGISTRY]);

export interface ImageReference {
  /** `host[:port]` of the registry's API. */
  registry: string;
  repository: string;
  tag?: string;
  /** `sha256:<hex>`; when set it, not the tag, names the manifest. */
  digest?: string;
}

/** `[host[:port]/]repo[:tag][@sha256:hex]`; throws an Error naming the reference when it is not one. */
export function parseImageReference(text: string): ImageReference {
  if (!isImageReference(text)) throw new Error(`invalid image reference ${JSON.stringify(text)}`);
  const at = text.indexOf('@');
  const digest = at < 0 ? undefined : text.slice(at + 1);
  if (digest !== undefined && !SHA256_DIGEST.test(digest)) {
    throw new Error(`invalid image reference ${JSON.stringify(text)}: the digest must be sha256:<64 lowercase hex digits>`);
  }
  const name = at < 0 ? text : text.slice(0, at);
  // A tag's colon comes after the last slash; an earlier one is the registry's port.
  const colon = name.lastIndexOf(':');
  const hasTag = colon > name.lastIndexOf('/');
  const path = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : undefined;

  const slash = path.indexOf('/');
  const first = slash < 0 ? '' : path.slice(0, slash);
  const firstIsHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const host = firstIsHost ? first : DOCKER_HUB_REGISTRY;
  let repository = firstIsHost ? path.slice(slash + 1) : path;
  const registry = DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB_REGISTRY : host;
  if (registry === DOCKER_HUB_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;

  return { registry, repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** The fully qualified form, `host[:port]/repo[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
