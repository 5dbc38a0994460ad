// Names of everything a snapshot produces (spec §6.1, §6.7, §6.9, §12): the internal pause SandboxSnapshot
// of each replica, its commit and unpause Jobs, and the image every container is committed to.
//
// Beyond upstream (which supports replicas = 1 only): replica i > 0 gets its own snapshot `<bs>-pause-<i>`
// and its images the tag suffix `-r<i>`; replica 0 keeps upstream's names exactly. Names too long for
// Kubernetes or OCI are shortened with a hash suffix instead of failing late (spec §10 B17).
import { createHash } from 'node:crypto';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { BATCH_SANDBOX } from '../../api/v1alpha1/group.js';
import { controllerOf } from '../kube/pod-state.js';

/** Suffix of the internal pause snapshot of replica 0 (upstream's only one). */
const PAUSE_SUFFIX = '-pause';
/** The name the OpenSandbox server gives public snapshots: `osb-snap-<32 hex>`. */
const PUBLIC_SNAPSHOT_NAME = /^osb-snap-([0-9a-f]{32})$/;
/** Kubernetes object names (DNS-1123 subdomain). */
const MAX_OBJECT_NAME = 253;
/** A Job's name becomes its pods' `job-name` label value: at most 63 characters. */
const MAX_JOB_NAME = 63;
/** OCI distribution spec: a path component of a repository name, kept well within registry limits. */
const MAX_REPOSITORY_COMPONENT = 128;
/** OCI distribution spec: a tag is at most 128 characters. */
const MAX_TAG = 128;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `text` if it fits in `max`, else its head and 8 hex of its hash (same input, same output). */
function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  const hash = sha256Hex(text).slice(0, 8);
  return `${text.slice(0, max - hash.length - 1).replace(/[-.]+$/, '')}-${hash}`;
}

/** The internal pause snapshot of replica `index`: `<bs>-pause`, then `<bs>-pause-1`, `<bs>-pause-2`, ... */
export function pauseSnapshotName(sandboxName: string, index: number): string {
  return fit(index === 0 ? `${sandboxName}${PAUSE_SUFFIX}` : `${sandboxName}${PAUSE_SUFFIX}-${index}`, MAX_OBJECT_NAME);
}

/** The replica a pause snapshot name belongs to, or undefined when it is not one of this sandbox's. */
export function pauseSnapshotIndex(sandboxName: string, snapshotName: string): number | undefined {
  const base = pauseSnapshotName(sandboxName, 0);
  if (snapshotName === base) return 0;
  const m = /^-(\d+)$/.exec(snapshotName.startsWith(base) ? snapshotName.slice(base.length) : '');
  const index = m ? Number(m[1]) : undefined;
  return index !== undefined && index > 0 && pauseSnapshotName(sandboxName, index) === snapshotName ? index : undefined;
}

export function commitJobName(snapshotName: string): string {
  return fit(`${snapshotName}-commit`, MAX_JOB_NAME);
}

export function unpauseJobName(snapshotName: string): string {
  return fit(`${snapshotName}-unpause`, MAX_JOB_NAME);
}

/** True for the internal snapshot of a pause: controlled by a BatchSandbox. */
export function isPauseSnapshot(snapshot: SandboxSnapshot): boolean {
  return controllerOf(snapshot)?.kind === BATCH_SANDBOX.kind;
}

/**
 * The image tag of a snapshot (spec §6.9): `snap-gen<generation>` for an internal pause snapshot (the
 * BatchSandbox generation the pause acted on), `snap-<hex>` for the server's `osb-snap-<hex>` snapshots,
 * `snap-<first 32 hex of sha256(name)>` for any other. Replica i > 0 appends `-r<i>`.
 */
export function snapshotImageTag(snapshot: SandboxSnapshot, sandboxGeneration: number, replicaIndex = 0): string {
  const name = snapshot.metadata.name;
  let tag: string;
  if (isPauseSnapshot(snapshot)) tag = `snap-gen${sandboxGeneration}`;
  else tag = `snap-${PUBLIC_SNAPSHOT_NAME.exec(name)?.[1] ?? sha256Hex(name).slice(0, 32)}`;
  return fit(replicaIndex === 0 ? tag : `${tag}-r${replicaIndex}`, MAX_TAG);
}

/**
 * `<registry>/<bs>-<container>:<tag>`. The registry may carry a path (`registry.local:5000/snapshots`);
 * the repository is lower-cased, as OCI requires, and container names may hold upper case.
 */
export function snapshotImageUri(registry: string, sandboxName: string, containerName: string, tag: string): string {
  const repository = fit(`${sandboxName}-${containerName}`.toLowerCase(), MAX_REPOSITORY_COMPONENT);
  return `${registry.replace(/\/+$/, '')}/${repository}:${tag}`;
}
