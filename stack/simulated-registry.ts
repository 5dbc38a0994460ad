// The image registries of the local stack, as its simulated kubelet and image-committer see them
// (stack/simulated-committer.ts): every registry accepts pushes anonymously or with the one simulated
// account below, and a registry whose host ends in `.invalid` (RFC 2606: never resolvable) does not
// exist, so its images cannot be pulled. Tests build good and bad push Secrets from these constants.

/**
 * The only credentials the simulated registries accept (any other pair is refused as unauthorized); the
 * real node's second registry takes the same (stack/real-node/real-node.ts).
 */
export const SIMULATED_REGISTRY_USERNAME = 'opensandbox';
export const SIMULATED_REGISTRY_PASSWORD = 'opensandbox';

const DEFAULT_REGISTRY = 'docker.io';

/**
 * The registry host (with port) of an image reference, as docker normalizes it: the first path
 * segment when it looks like a host (has a dot or a port, or is `localhost`), else Docker Hub.
 */
export function registryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return DEFAULT_REGISTRY;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : DEFAULT_REGISTRY;
}

/** An image on a `.invalid` registry: its pull fails with "no such host". */
export function isUnpullableImage(image: string): boolean {
  const host = registryHost(image).replace(/:\d+$/, '');
  return host.endsWith('.invalid');
}
