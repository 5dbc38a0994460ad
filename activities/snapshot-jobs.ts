// Deleting the Jobs of a SandboxSnapshot (commit and unpause, spec §6.7): what the snapshot's cleanup
// finalizer stands for, done by the SandboxSnapshot controller on deletion and by a pause that replaces a
// snapshot. Background propagation takes the Jobs' pods along; a Job already gone is done.
import type { BatchV1Api } from '@kubernetes/client-node';
import { isApiStatus } from '../kernel/kube-errors.js';
import { commitJobName, unpauseJobName } from '../planners/lifecycle/snapshot-names.js';

export type JobDeleter = Pick<BatchV1Api, 'deleteNamespacedJob'>;

/** Deletes one Job; already gone = done. */
export async function deleteJob(batch: JobDeleter, namespace: string, name: string): Promise<void> {
  try {
    await batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' });
  } catch (err) {
    if (!isApiStatus(err, 404)) throw err;
  }
}

/** Deletes the commit and unpause Jobs of snapshot `snapshot`. */
export async function deleteSnapshotJobs(batch: JobDeleter, namespace: string, snapshot: string): Promise<void> {
  await Promise.all([deleteJob(batch, namespace, commitJobName(snapshot)), deleteJob(batch, namespace, unpauseJobName(snapshot))]);
}
