// A smoke test of the whole chain (client -> Temporal -> worker -> activity -> kube-apiserver):
// are the operator's CRDs installed and served? Started on demand (dev command, tests, on-call).
import { proxyActivities } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { ClusterActivities, CrdStatus } from '../activities/cluster-activities.js';
// group.js only, not the api index: the workflow bundle needs no zod schemas.
import { VERSION } from '../api/v1alpha1/group.js';
import { OPERATION_ATTRIBUTE } from './search-attributes.js';

export const SELF_CHECK_OPERATION = 'self-check';

export interface ClusterSelfCheckResult {
  kubernetesVersion: string;
  crds: CrdStatus[];
  /** Every CRD is established and serves the version the operator speaks. */
  ok: boolean;
}

const { checkOperatorCrds } = proxyActivities<ClusterActivities>({
  // Two small API reads; a stuck call should fail fast and be retried, a few times only.
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
});

export async function clusterSelfCheck(): Promise<ClusterSelfCheckResult> {
  const report = await checkOperatorCrds();
  const ok = report.crds.every((crd) => crd.established && crd.servedVersions.includes(VERSION));
  return { ...report, ok };
}

/** Search attributes every self-check run carries, so `OpenSandboxOperation = "self-check"` finds it. */
export const SELF_CHECK_SEARCH_ATTRIBUTES: SearchAttributePair[] = [
  { key: OPERATION_ATTRIBUTE, value: SELF_CHECK_OPERATION },
];
