// What auto-assign reads of a pod template (spec §5): container images, the summed resource requests,
// nodeSelector and required node affinity. Templates are stored loose (preserve-unknown), so these fields
// are validated here, where they are used; a template whose fields do not parse cannot be matched.
import { z } from 'zod';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import { quantityNanos } from '../kube/kube-quantity.js';
import type { NodeSelectorTerm } from '../kube/node-selector-terms.js';

const quantitySchema = z.union([z.string(), z.number()]);

const nodeSelectorTermSchema = z.object({
  matchExpressions: z.array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() })).optional(),
  matchFields: z.array(z.unknown()).optional(),
});

const matchedSpecSchema = z.object({
  containers: z.array(
    z.object({
      image: z.string().optional(),
      resources: z.object({ requests: z.record(z.string(), quantitySchema).optional() }).optional(),
    }),
  ),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  affinity: z
    .object({
      nodeAffinity: z
        .object({
          requiredDuringSchedulingIgnoredDuringExecution: z.object({ nodeSelectorTerms: z.array(nodeSelectorTermSchema) }).optional(),
        })
        .optional(),
    })
    .optional(),
});

export interface MatchedTemplate {
  /** Non-empty container images. */
  images: string[];
  /** Requests summed over the containers, in nano-units (init containers are not counted, as upstream). */
  requests: Map<string, bigint>;
  nodeSelector: Record<string, string>;
  requiredTerms: NodeSelectorTerm[];
}

/** Throws with the offending field when the template cannot be read. */
export function matchedTemplate(template: PodTemplate): MatchedTemplate {
  const parsed = matchedSpecSchema.safeParse(template.spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`spec.${issue.path.join('.')}: ${issue.message}`);
  }
  const { containers, nodeSelector = {}, affinity } = parsed.data;
  const requests = new Map<string, bigint>();
  containers.forEach((container, i) => {
    for (const [resource, quantity] of Object.entries(container.resources?.requests ?? {})) {
      let nanos: bigint;
      try {
        nanos = quantityNanos(quantity);
      } catch (err) {
        throw new Error(`spec.containers.${i}.resources.requests.${resource}: ${(err as Error).message}`, { cause: err });
      }
      requests.set(resource, (requests.get(resource) ?? 0n) + nanos);
    }
  });
  return {
    images: containers.flatMap((container) => (container.image ? [container.image] : [])),
    requests,
    nodeSelector,
    requiredTerms: affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [],
  };
}
