// The spec rewrite that makes a resumed sandbox run its snapshot (spec §6.4 continueResume): every
// container whose name a snapshot lists runs the snapshot image, and the resume pull secret (operator
// setting) is added to the template's imagePullSecrets. replicas and pause are left alone.
//
// Replica 0's images go into spec.template (what upstream does and what clients read back). Beyond
// upstream, every other replica i gets its own images through spec.shardPatches[i], which the non-pooled
// pod builder merges into pod i; a replica whose existing shard patch sets an image is overridden the same
// way. A pooled sandbox has been detached from its pool when its pause completed (planners/pool/pool-detach.ts),
// so a template is always there; if it is not, the resume cannot proceed and says so.
import type { BatchSandbox, ShardPatch } from '../../api/v1alpha1/batch-sandbox.js';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import type { ReplicaRestore } from './resume-source.js';

export type ResumeSpecPatch =
  { ok: true; patch: { spec: { template: PodTemplate; shardPatches?: ShardPatch[] } } } | { ok: false; reason: 'TemplateMissing'; message: string };

type JsonMap = Record<string, unknown>;

function isMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function imagesOf(restore: ReplicaRestore | undefined): Map<string, string> {
  return new Map((restore?.containers ?? []).map((c) => [c.containerName, c.imageUri] as const));
}

function patchContainerNames(patch: ShardPatch | undefined): string[] {
  const containers = isMap(patch?.spec) ? patch.spec.containers : undefined;
  return Array.isArray(containers) ? containers.flatMap((c) => (isMap(c) && typeof c.name === 'string' && c.$patch !== 'delete' ? [c.name] : [])) : [];
}

/** `patch` with `spec.containers[name].image` set for each image (containers merge by name). */
function withImages(patch: ShardPatch | undefined, images: ReadonlyMap<string, string>): ShardPatch {
  const copy: JsonMap = structuredClone(patch ?? {});
  const spec: JsonMap = isMap(copy.spec) ? copy.spec : (copy.spec = {});
  const containers: unknown[] = Array.isArray(spec.containers) ? spec.containers : (spec.containers = []);
  for (const [name, image] of images) {
    const entry = containers.find((c): c is JsonMap => isMap(c) && c.name === name);
    if (entry) entry.image = image;
    else containers.push({ name, image });
  }
  return copy;
}

export function resumeSpecPatch(sandbox: BatchSandbox, restores: readonly ReplicaRestore[], resumePullSecret?: string): ResumeSpecPatch {
  const current = sandbox.spec.template;
  if (current === undefined) {
    return {
      ok: false,
      reason: 'TemplateMissing',
      message: `spec.template is missing (spec.poolRef=${JSON.stringify(sandbox.spec.poolRef ?? '')}): a pooled sandbox is detached from its pool when its pause completes`,
    };
  }
  const template = structuredClone(current);
  const byIndex = new Map(restores.map((r) => [r.index, r] as const));
  const replicaZero = imagesOf(byIndex.get(0));
  template.spec.containers = template.spec.containers.map((c) => {
    const image = replicaZero.get(c.name);
    return image === undefined ? c : { ...c, image };
  });
  if (resumePullSecret) {
    const secrets = Array.isArray(template.spec.imagePullSecrets) ? (template.spec.imagePullSecrets as unknown[]) : [];
    if (!secrets.some((s) => isMap(s) && s.name === resumePullSecret)) {
      template.spec.imagePullSecrets = [...secrets, { name: resumePullSecret }];
    }
  }

  const templateNames = new Set(template.spec.containers.map((c) => c.name));
  const existing = sandbox.spec.shardPatches ?? [];
  const shardPatches: ShardPatch[] = [];
  let rewritten = false;
  for (let index = 0; index < Math.max(sandbox.spec.replicas, existing.length); index++) {
    const patch = existing[index];
    // Replica 0 gets its images from the template; its patch is touched only for containers it names
    // (it may pin an image). Other replicas get theirs for every container pod i has.
    const names = new Set([...(index === 0 ? [] : templateNames), ...patchContainerNames(patch)]);
    const images = new Map([...imagesOf(byIndex.get(index))].filter(([name]) => names.has(name)));
    if (images.size > 0) {
      shardPatches.push(withImages(patch, images));
      rewritten = true;
    } else {
      shardPatches.push(patch ?? {});
    }
  }
  return { ok: true, patch: { spec: { template, ...(rewritten ? { shardPatches } : {}) } } };
}
