// A delivery whose sandbox changed since the round observed it (a 409, or a fake's version check): the
// plan is stale when alloc-status now lists pods the plan never saw (a round this one did not see handed
// them out: its worker died before recording it, or it still runs as a zombie); otherwise alloc-status is
// what it lists now followed by the plan's pods it lacks, so a merge never drops a pod already listed.

/** alloc-status to write after a conflict, or 'stale' when the delivery must be planned again. */
export function allocStatusAfterConflict(planned: readonly string[], current: readonly string[]): string[] | 'stale' {
  if (current.some((pod) => !planned.includes(pod))) return 'stale';
  return [...current, ...planned.filter((pod) => !current.includes(pod))];
}
