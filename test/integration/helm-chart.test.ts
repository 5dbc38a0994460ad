// The Helm chart (charts/opensandbox-operator) as a user installs it: linted and rendered by the real
// helm binary, its objects accepted by the real kube-apiserver, and the operator process, started with
// a token of the chart's ServiceAccount (nothing else), serving a pooled and a non-pooled sandbox. That
// proves the chart's RBAC covers what the operator calls; SubjectAccessReviews cover the calls this run
// does not reach (pause Jobs, the Restart recycle's exec) and that it grants nothing beyond them.
//
// Offline, helm refuses to render a chart whose declared dependency (the Temporal chart) is absent, so
// the test renders a copy with an empty stand-in for it (only its name counts; it is never enabled).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuthorizationV1Api, CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, resolveToolchain } from '../../stack/toolchain.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { readCrdFiles } from '../support/crd-files.js';
import {
  buildIfStale,
  httpPortOf,
  killOperators,
  startOperator,
  waitForReady,
} from '../support/operator-process.js';
import { PoolNamespace } from '../support/pool-namespace.js';
import { testKubeConfig, testStackInfo } from '../support/stack.js';

const suffix = randomBytes(4).toString('hex');
const release = `chart-${suffix}`;
const ns = new PoolNamespace(`helm-chart-${suffix}`);
const namespace = ns.namespace;
const serviceAccount = `${release}-opensandbox-operator`;
const kc = testKubeConfig();
const objects = KubernetesObjectApi.makeApiClient(kc);
const core = kc.makeApiClient(CoreV1Api);
const authorization = kc.makeApiClient(AuthorizationV1Api);
const workDir = mkdtempSync(join(tmpdir(), 'helm-chart-'));
const chartDir = join(workDir, 'opensandbox-operator');
const created: KubernetesObject[] = [];

/** Runs helm; `output` is what it printed (stdout, where rendered manifests go), `errors` its stderr. */
function helm(args: string[]): { status: number | null; output: string; errors: string } {
  const result = spawnSync(resolveToolchain().helm, args, { encoding: 'utf8' });
  return { status: result.status, output: result.stdout, errors: result.stderr };
}

function render(values: string[]): KubernetesObject[] {
  const { status, output, errors } = helm(['template', release, chartDir, '--namespace', namespace, ...values.flatMap((v) => ['--set', v])]);
  if (status !== 0) throw new Error(`helm template failed:\n${errors}`);
  return parseAllDocuments(output.slice(output.indexOf('---')))
    .map((doc) => doc.toJS() as KubernetesObject | null)
    .filter((doc): doc is KubernetesObject => doc !== null);
}

/** Whether the chart's ServiceAccount may do this (a SubjectAccessReview on the real apiserver). */
async function allowed(verb: string, group: string, resource: string, subresource = '', inNamespace = namespace): Promise<boolean> {
  const review = await authorization.createSubjectAccessReview({
    body: {
      spec: {
        user: `system:serviceaccount:${namespace}:${serviceAccount}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        resourceAttributes: { verb, group, resource, subresource, namespace: inNamespace },
      },
    },
  });
  return review.status?.allowed === true;
}

beforeAll(async () => {
  buildIfStale();
  // Dereferenced: the chart's crds/ is a link to the repository's crds/.
  cpSync(join(REPO_ROOT, 'charts', 'opensandbox-operator'), chartDir, { recursive: true, dereference: true });
  mkdirSync(join(chartDir, 'charts', 'temporal'), { recursive: true });
  writeFileSync(join(chartDir, 'charts', 'temporal', 'Chart.yaml'), 'apiVersion: v2\nname: temporal\nversion: 1.6.0\n');
  await ns.create();
}, 180_000);

afterAll(async () => {
  killOperators();
  for (const object of created.filter((o) => !o.metadata?.namespace)) await objects.delete(object).catch(() => {});
  await ns.delete();
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe('Helm chart', () => {
  it('lints strictly, and refuses to render without a Temporal to talk to, naming the value', () => {
    const lint = helm(['lint', '--strict', chartDir, '--set', 'temporal.address=temporal:7233']);
    expect(lint).toMatchObject({ status: 0 });
    const missing = helm(['template', release, chartDir]);
    expect(missing.status).not.toBe(0);
    expect(missing.errors).toContain('temporal.address is required');
    const bundled = render(['temporal.enabled=true']);
    const deployment = bundled.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
    expect(deployment.spec.template.spec.containers[0]!.env).toContainEqual({ name: 'TEMPORAL_ADDRESS', value: `${release}-temporal-frontend:7233` });
  });

  it('installs the repository CRDs unchanged', () => {
    const { status, output } = helm(['show', 'crds', chartDir]);
    expect(status).toBe(0);
    const shown = parseAllDocuments(output).map((doc) => doc.toJS() as { metadata: { name: string } } | null).filter((d) => d !== null);
    const repo = readCrdFiles();
    expect(shown.map((crd) => crd!.metadata.name).sort()).toEqual([...repo.keys()].sort());
    for (const crd of shown) expect(crd).toEqual(repo.get(crd!.metadata.name));
  });

  it('runs the operator under its ServiceAccount: both roles ready, a non-pooled, a pooled and a task sandbox served', async () => {
    const stack = testStackInfo();
    const rendered = render([
      `temporal.address=${stack.temporalAddress}`,
      'replicaCount=0',
      `watchNamespace=${namespace}`,
      `taskExecutorUrl=${stack.taskExecutorUrl}`,
    ]);
    expect(rendered.map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'].sort(),
    );
    for (const object of rendered) {
      created.push(await objects.create(object));
    }

    // The Deployment's pod, with the ServiceAccount's token and the chart's environment (bar the image).
    const token = await core.createNamespacedServiceAccountToken({ name: serviceAccount, namespace, body: { spec: { expirationSeconds: 3600 } } });
    const cluster = kc.getCurrentCluster()!;
    const kubeconfig = join(workDir, 'service-account.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'stack', cluster: { server: cluster.server, 'certificate-authority-data': Buffer.from(readFileSync(cluster.caFile!)).toString('base64') } }],
        users: [{ name: serviceAccount, user: { token: token.status?.token } }],
        contexts: [{ name: 'chart', context: { cluster: 'stack', user: serviceAccount } }],
        'current-context': 'chart',
      }),
    );
    const deployment = rendered.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0]!.env.flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])));
    const operator = startOperator([], {
      ...env,
      KUBECONFIG: kubeconfig,
      POD_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: `helm-chart-${suffix}`,
      OPERATOR_HTTP_ADDRESS: '127.0.0.1:0',
    });
    await waitForReady(operator, await httpPortOf(operator));

    await ns.createSandbox(aBatchSandbox('plain', namespace).replicas(1).template().build());
    await waitUntil(async () => (await ns.getSandbox('plain')).status?.ready === 1, { what: 'non-pooled sandbox ready', timeoutMs: 60_000 });
    await ns.createPool(aPool('warm', namespace).capacity({ bufferMin: 1, bufferMax: 1, poolMin: 1, poolMax: 2 }).build());
    await ns.waitForStablePool('warm', (s) => s.available >= 1);
    await ns.createSandbox(aBatchSandbox('pooled', namespace).poolRef('warm').build());
    await ns.waitForAllocation('pooled', 1);
    // Tasks: the finalizer, the executor calls and the counters' status patch.
    await ns.createSandbox(aBatchSandbox('task', namespace).replicas(1).template().tasks({ spec: { process: { command: ['true'] } } }).build());
    await waitUntil(async () => (await ns.getSandbox('task')).status?.taskSucceed === 1, { what: 'task succeeded', timeoutMs: 60_000 });
    await ns.deleteSandbox('task');
    await ns.waitForSandboxGone('task');
    expect(operator.stdout()).not.toContain('forbidden');
  }, 180_000);

  it('grants the calls that run did not reach, and nothing beyond what the operator calls', async () => {
    const granted = [
      ['create', 'batch', 'jobs'],
      ['delete', 'batch', 'jobs'],
      ['create', '', 'pods', 'exec'],
      ['create', 'sandbox.opensandbox.io', 'sandboxsnapshots'],
      ['delete', 'sandbox.opensandbox.io', 'sandboxsnapshots'],
      ['update', 'sandbox.opensandbox.io', 'sandboxsnapshots', 'status'],
      ['patch', '', 'events'],
    ] as const;
    for (const [verb, group, resource, subresource] of granted) {
      expect({ verb, resource, subresource, allowed: await allowed(verb, group, resource, subresource) }).toMatchObject({ allowed: true });
    }
    const denied = [
      ['get', '', 'secrets'],
      ['list', '', 'nodes'],
      ['delete', '', 'namespaces'],
      ['update', '', 'pods'],
      ['create', 'apiextensions.k8s.io', 'customresourcedefinitions'],
    ] as const;
    for (const [verb, group, resource] of denied) {
      expect({ verb, resource, allowed: await allowed(verb, group, resource) }).toMatchObject({ allowed: false });
    }
    // ConfigMaps (auto-assign profiles) only in the operator's own namespace.
    expect(await allowed('list', '', 'configmaps')).toBe(true);
    expect(await allowed('list', '', 'configmaps', '', 'default')).toBe(false);
  });
});
