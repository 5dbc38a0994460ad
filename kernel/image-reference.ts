// Container image references in the grammar of distribution/reference (what docker, containerd and the
// kubelet accept), for validating the operator's image settings before a Job or a template uses them.

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
/** `host[:port]`: dotted components, or one component such as `localhost`. */
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
/** A repository path component: lowercase, separated inside by `.`, `_`, `__` or dashes. */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const IMAGE_REFERENCE = new RegExp(`^${NAME}(?::${TAG})?(?:@${DIGEST})?$`);
/** Where images are pushed: a registry host with an optional repository path, no tag or digest. */
const REGISTRY_PREFIX = new RegExp(`^${DOMAIN}(?:/${PATH_COMPONENT})*$`);

/** `image-committer:dev`, `ghcr.io/org/committer:v1`, `registry:5000/c@sha256:<hex>`. */
export function isImageReference(text: string): boolean {
  return IMAGE_REFERENCE.test(text);
}

/** `registry.example.com`, `localhost:5000`, `ghcr.io/org/snapshots` (images go below it). */
export function isRegistryPrefix(text: string): boolean {
  return REGISTRY_PREFIX.test(text);
}
