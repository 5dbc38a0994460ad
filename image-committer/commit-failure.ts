// Which committer failures a retry of the commit Job cannot fix. Those exit with
// COMMITTER_PERMANENT_FAILURE_EXIT_CODE, which the Job's podFailurePolicy turns into an immediate Job
// failure: the user sees PauseFailed in a second, not after the Job's backoff (10 s + 20 s + 40 s).
import { COMMITTER_PERMANENT_FAILURE_EXIT_CODE } from '../planners/lifecycle/commit-job.js';
import { RegistryError } from '../oci/registry-client.js';
import { UsageError } from './committer-request.js';
import { ContainerNotFound } from './pod-container.js';

/** A failure the committer knows to be permanent where it happens (a missing socket, say). */
export class PermanentCommitError extends Error {}

/** Registry answers that mean "not until someone changes something": timeouts and throttling aside. */
function isPermanentRegistryStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function isDiskFull(err: Error): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOSPC' || /no space left on device/i.test(err.message);
}

export function isPermanentCommitFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof PermanentCommitError || err instanceof UsageError || err instanceof ContainerNotFound) return true;
  if (err instanceof RegistryError) return isPermanentRegistryStatus(err.status);
  return isDiskFull(err);
}

/** The committer's exit code for a failure. */
export function failureExitCode(err: unknown): number {
  return isPermanentCommitFailure(err) ? COMMITTER_PERMANENT_FAILURE_EXIT_CODE : 1;
}
