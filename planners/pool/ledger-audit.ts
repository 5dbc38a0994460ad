// The pool ledger (pod -> sandbox, in workflow state) audited against the cluster's own record of
// ownership: alloc-status minus alloc-released of every pooled sandbox, for pods that exist. The ledger
// is the single writer's memory and normally agrees; drift means someone else wrote an allocation
// annotation (a person, an old operator, a bug). Two kinds:
//   untracked  the cluster says a sandbox holds the pod, the ledger thinks it is idle. Repaired by adopting
//              it: handing it out again would put one pod in two sandboxes.
//   conflict   the cluster says one sandbox holds it, the ledger another. The ledger stays (its owner got
//              the pod through this workflow); counted and reported for a person to look at.
// Malformed sandboxes are left out (what they hold is unknown), and so are deleting ones (their pods are
// being released anyway).
import type { Ledger } from './allocation.js';
import type { PodDigest, SandboxView } from './pool-observation.js';

export type LedgerDriftKind = 'untracked' | 'conflict';

export interface LedgerDrift {
  kind: LedgerDriftKind;
  pod: string;
  /** The sandbox whose annotation claims the pod. */
  claimedBy: string;
  /** The ledger's owner (conflict only). */
  ledgerOwner?: string;
}

export interface LedgerAudit {
  ledger: Ledger;
  drift: LedgerDrift[];
}

export function auditLedger(ledger: Ledger, sandboxes: readonly SandboxView[], pods: readonly PodDigest[]): LedgerAudit {
  const existing = new Set(pods.map((pod) => pod.name));
  const repaired: Ledger = { ...ledger };
  const drift: LedgerDrift[] = [];
  const claims = sandboxes
    .filter((s) => !s.malformed && !s.deleting)
    .flatMap((s) => {
      const released = new Set(s.released);
      return s.allocated.filter((pod) => !released.has(pod) && existing.has(pod)).map((pod) => ({ pod, sandbox: s.name }));
    })
    .sort((a, b) => a.pod.localeCompare(b.pod) || a.sandbox.localeCompare(b.sandbox));
  for (const { pod, sandbox } of claims) {
    const owner = repaired[pod];
    if (owner === sandbox) continue;
    if (owner === undefined) {
      repaired[pod] = sandbox;
      drift.push({ kind: 'untracked', pod, claimedBy: sandbox });
    } else {
      drift.push({ kind: 'conflict', pod, claimedBy: sandbox, ledgerOwner: owner });
    }
  }
  return { ledger: drift.length > 0 ? repaired : ledger, drift };
}
