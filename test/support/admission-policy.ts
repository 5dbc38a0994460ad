// A ValidatingAdmissionPolicy that makes the apiserver refuse some requests in one namespace for good
// (422/403, as a real policy, quota or webhook would): how tests see what the operator does with refusals.
import { AdmissionregistrationV1Api, BatchV1Api, type V1NamedRuleWithOperations } from '@kubernetes/client-node';
import { isApiStatus } from '../../kernel/kube-errors.js';
import { waitUntil } from '../../stack/wait-until.js';
import { testKubeConfig } from './stack.js';

export interface DenyingPolicy {
  /** Policy and binding name (cluster-scoped: make it unique). */
  name: string;
  namespace: string;
  rule: V1NamedRuleWithOperations;
  /** CEL that must hold for a request to pass. */
  expression: string;
  message: string;
  /** Makes a request the policy refuses; resolves once, the policy being in force, it is refused. */
  probe: () => Promise<unknown>;
}

/** Puts the policy in force (probed) in its namespace; the returned function removes it. */
export async function deny(policy: DenyingPolicy): Promise<() => Promise<void>> {
  const admission = testKubeConfig().makeApiClient(AdmissionregistrationV1Api);
  const { name, namespace } = policy;
  const remove = async () => {
    await admission.deleteValidatingAdmissionPolicyBinding({ name });
    await admission.deleteValidatingAdmissionPolicy({ name });
  };
  await admission.createValidatingAdmissionPolicy({
    body: {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [policy.rule] },
        validations: [{ expression: policy.expression, message: policy.message }],
      },
    },
  });
  await admission.createValidatingAdmissionPolicyBinding({
    body: {
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } },
      },
    },
  });
  try {
    // The apiserver enforces a new policy a moment after it is created: probe until it does.
    await waitUntil(
      () =>
        policy.probe().then(
          () => false,
          (err: unknown) => isApiStatus(err, 422) || isApiStatus(err, 403),
        ),
      { what: `admission policy ${name} in force`, timeoutMs: 30_000, intervalMs: 200 },
    );
  } catch (err) {
    await remove();
    throw err;
  }
  return remove;
}

/** Runs `body` while the policy refuses matching requests in its namespace, then removes the policy. */
export async function whileDenied(policy: DenyingPolicy, body: () => Promise<void>): Promise<void> {
  const remove = await deny(policy);
  try {
    await body();
  } finally {
    await remove();
  }
}

/** A policy refusing the creation of Jobs whose name starts with `prefix` in `namespace` (commit Jobs, say). */
export function noJobsNamed(namespace: string, prefix: string): DenyingPolicy {
  const batch = testKubeConfig().makeApiClient(BatchV1Api);
  return {
    name: `${namespace}-no-jobs-${prefix}`,
    namespace,
    rule: { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['jobs'] },
    expression: `!object.metadata.name.startsWith('${prefix}')`,
    message: 'commit jobs are not allowed here',
    // A suspended Job of that prefix: nothing runs if it gets through before the policy is in force.
    probe: () =>
      batch.createNamespacedJob({
        namespace,
        body: {
          metadata: { generateName: `${prefix}-probe-` },
          spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'probe' }] } } },
        },
      }),
  };
}
