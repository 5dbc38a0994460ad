// The predicates of auto-assign (spec §5): can this Pool serve this BatchSandbox? Each answers with the
// reason it cannot (for the NoEligiblePool Event) or undefined. A sandbox without a template passes
// image, resource and nodeselector: it states no requirement.
import { formatNanos } from '../kube/kube-quantity.js';
import { termsMatch } from '../kube/node-selector-terms.js';
import type { PoolPredicate } from './assign-plugins.js';

/** Some image of the sandbox template is also an image of the pool template. */
export const imagePredicate: PoolPredicate = {
  name: 'image',
  reject({ template }, candidate) {
    if (template === undefined) return undefined;
    if (template.images.some((image) => candidate.template.images.includes(image))) return undefined;
    if (template.images.length === 0) return 'image: the sandbox template names no image';
    return `image: the pool runs none of ${template.images.join(', ')}`;
  },
};

/** For every resource the sandbox template requests, the pool template requests at least as much. */
export const resourcePredicate: PoolPredicate = {
  name: 'resource',
  reject({ template }, candidate) {
    for (const [resource, wanted] of template?.requests ?? []) {
      const offered = candidate.template.requests.get(resource) ?? 0n;
      if (offered < wanted) {
        return `resource: ${resource} request ${formatNanos(wanted)} exceeds the pool's ${formatNanos(offered)}`;
      }
    }
    return undefined;
  },
};

/**
 * The sandbox's nodeSelector and required node affinity hold for the pool's labels overlaid with its
 * template's nodeSelector (where the pool's pods can run).
 */
export const nodeSelectorPredicate: PoolPredicate = {
  name: 'nodeselector',
  reject({ template }, candidate) {
    if (template === undefined) return undefined;
    const labels = { ...candidate.labels, ...candidate.template.nodeSelector };
    for (const [key, value] of Object.entries(template.nodeSelector)) {
      if (labels[key] !== value) return `nodeselector: ${key}=${value} is not among the pool's labels and nodeSelector`;
    }
    if (!termsMatch(labels, template.requiredTerms)) {
      return "nodeselector: the required node affinity does not match the pool's labels and nodeSelector";
    }
    return undefined;
  },
};

/** Each key is a label of the sandbox with the same value on the pool (not in the default profile). */
export function labelSelectorPredicate(keys: readonly string[]): PoolPredicate {
  return {
    name: 'labelselector',
    reject({ labels }, candidate) {
      for (const key of keys) {
        const value = labels[key];
        if (value === undefined) return `labelselector: the sandbox has no label ${key}`;
        if (candidate.labels[key] !== value) return `labelselector: the pool's label ${key} is not ${value}`;
      }
      return undefined;
    },
  };
}
