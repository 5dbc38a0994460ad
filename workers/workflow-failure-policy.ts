// Which errors fail a workflow run rather than its task (the SDK retries a failed task for ever). A pool
// run that meets nondeterminism (a workflow change shipped without a patch, or a replay that cannot
// reproduce a decision, as on 2026-12-05) would fail every task for good: its pool delivers nothing and
// releases nothing until someone resets the run by hand. Failed, it is replaced by a fresh run at the
// pool's next signal (the watch role's signal-with-start, at the latest its periodic wake), which
// rebuilds the ledger from the sandboxes' alloc-status annotations: all a pool run holds is in the
// cluster. Pause, resume, snapshot and task runs keep retrying: failing one would fail the user's
// operation, and a fixed worker may still replay it.
export const WORKFLOW_FAILURE_ERROR_TYPES: Record<string, 'NondeterminismError'[]> = {
  poolWorkflow: ['NondeterminismError'],
};
