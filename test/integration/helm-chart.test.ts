// The Helm chart (charts/opensandbox-operator) as a user installs it, offline: linted, rendered and
// installed by the real helm from the repository's chart directory as it is, its values checked by its
// schema, its pod admitted under the "restricted" Pod Security Standard by the real kube-apiserver, and
// the operator process, started with a token of the chart's ServiceAccount (nothing else) and the
// Deployment's environment, serving a pooled and a non-pooled sandbox and the sample of the chart's
// NOTES, whose commands the test runs as printed. That proves the chart's RBAC covers what the operator
// calls; SubjectAccessReviews cover the calls this run does not reach (pause Jobs, the Restart recycle's
// exec) and that it grants nothing beyond them.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuthorizationV1Api, CoreV1Api, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { isImageReference } from '../../kernel/image-reference.js';
import { apiErrorMessage } from '../../kernel/kube-errors.js';
import { REPO_ROOT, resolveToolchain } from '../../stack/toolchain.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { readCrdFiles } from '../support/crd-files.js';
import { buildIfStale, httpPortOf, killOperators, startOperator, waitForReady } from '../support/operator-process.js';
import { PoolNamespace } from '../support/pool-namespace.js';
import { testKubeConfig, testStackInfo } from '../support/stack.js';

interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number }[];
  resources?: unknown;
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Deployment extends KubernetesObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Container[]; securityContext?: Record<string, unknown>; volumes?: unknown[]; automountServiceAccountToken?: boolean };
    };
  };
}

const chartDir = join(REPO_ROOT, 'charts', 'opensandbox-operator');
const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string; dependencies?: unknown };
const TEMPORAL = 'temporal.address=temporal:7233';
const suffix = randomBytes(4).toString('hex');
const release = `chart-${suffix}`;
const ns = new PoolNamespace(`helm-chart-${suffix}`);
const namespace = ns.namespace;
// Its own namespace: the sandboxes' pods in the other one are not written to the restricted standard.
const restricted = `helm-restricted-${suffix}`;
const serviceAccount = `${release}-opensandbox-operator`;
const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const authorization = kc.makeApiClient(AuthorizationV1Api);
const workDir = mkdtempSync(join(tmpdir(), 'helm-chart-'));
let installed = false;

/** Runs helm; `output` is what it printed (stdout, where manifests and NOTES go), `errors` its stderr. */
function helm(args: string[]): { status: number | null; output: string; errors: string } {
  const result = spawnSync(resolveToolchain().helm, args, { encoding: 'utf8' });
  return { status: result.status, output: result.stdout, errors: result.stderr };
}

/** Against the test apiserver, as its admin. */
function helmOnCluster(args: string[]): ReturnType<typeof helm> {
  return helm([...args, '--kubeconfig', testStackInfo().kubeconfigPath]);
}

function parseManifests(output: string): KubernetesObject[] {
  return parseAllDocuments(output)
    .map((doc) => doc.toJS() as KubernetesObject | null)
    .filter((doc): doc is KubernetesObject => doc !== null);
}

function render(values: string[], inNamespace = namespace): KubernetesObject[] {
  const { status, output, errors } = helm(['template', release, chartDir, '--namespace', inNamespace, ...values.flatMap((v) => ['--set', v])]);
  if (status !== 0) throw new Error(`helm template failed:\n${errors}`);
  return parseManifests(output);
}

function only<T extends KubernetesObject>(objects: KubernetesObject[], kind: string): T {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0] as T;
}

const operatorContainer = (objects: KubernetesObject[]): Container => only<Deployment>(objects, 'Deployment').spec.template.spec.containers[0]!;

/**
 * A command the NOTES print, as printed: the line starting with `prefix` (indentation aside), through
 * `EOF` when it opens a here-document.
 */
function notesCommand(notes: string, prefix: string): string {
  const lines = notes.split('\n');
  const start = lines.findIndex((line) => line.trim().startsWith(prefix));
  if (start < 0) throw new Error(`the NOTES print no command starting with ${prefix}:\n${notes}`);
  if (!lines[start]!.endsWith("<<'EOF'")) return lines[start]!.trim();
  const end = lines.indexOf('EOF', start);
  return lines.slice(start, end + 1).join('\n');
}

/** Runs it as runAsUser does and fails with its output unless it exits 0. */
function expectSucceeds(command: string): void {
  const { status, output } = runAsUser(command);
  expect({ command, status, output: status === 0 ? '' : output }).toEqual({ command, status: 0, output: '' });
}

/** Runs it with bash, the stack's kubectl first on PATH and its admin kubeconfig. */
function runAsUser(command: string): { status: number | null; output: string } {
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', command], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PATH: `${dirname(resolveToolchain().kubectl)}:${process.env.PATH ?? ''}`, KUBECONFIG: testStackInfo().kubeconfigPath },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
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
  await ns.create();
  await core.createNamespace({
    body: {
      metadata: { name: restricted, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } },
    },
  });
}, 180_000);

afterAll(async () => {
  killOperators();
  // Cluster-scoped objects (ClusterRole, ClusterRoleBinding) go with the release, not the namespace.
  if (installed) helmOnCluster(['uninstall', release, '--namespace', namespace]);
  await ns.delete();
  await core.deleteNamespace({ name: restricted }).catch(() => {});
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe('Helm chart', () => {
  it('lints strictly and renders offline with only temporal.address, and refuses to render without it, naming the value', () => {
    expect(chart.dependencies).toBeUndefined();
    const lint = helm(['lint', '--strict', chartDir, '--set', TEMPORAL]);
    expect(lint).toMatchObject({ status: 0 });
    const missing = helm(['template', release, chartDir]);
    expect(missing.status).not.toBe(0);
    expect(missing.errors).toContain('temporal.address is required');
  });

  it.each([
    ['replicaCount=abc', "at '/replicaCount'"],
    ['replicaCount=0', "at '/replicaCount'"],
    ['logLevel=loud', "at '/logLevel'"],
    ['httpPort=70000', "at '/httpPort'"],
    ['image.pullPolicy=Sometimes', "at '/image/pullPolicy'"],
    ['roles=both', "at '/roles'"],
    ['replicas=3', "additional properties 'replicas' not allowed"],
    ['temporal.adress=temporal:7233', "additional properties 'adress' not allowed"],
    // The Temporal this chart no longer installs: refused, rather than silently ignored.
    ['temporal.enabled=true', "additional properties 'enabled' not allowed"],
  ])('refuses --set %s, naming the key (%s)', (value, named) => {
    const result = helm(['template', release, chartDir, '--set', TEMPORAL, '--set', value]);
    expect(result.status).not.toBe(0);
    expect(result.errors).toContain("values don't meet the specifications of the schema");
    expect(result.errors).toContain(named);
  });

  it('checks the values on lint and install too', () => {
    const lint = helm(['lint', '--strict', chartDir, '--set', TEMPORAL, '--set', 'replicaCount=abc']);
    expect(lint.status).not.toBe(0);
    expect(`${lint.output}${lint.errors}`).toContain("at '/replicaCount'");
    const install = helm(['install', release, chartDir, '--dry-run=client', '--set', TEMPORAL, '--set', 'logLevel=loud']);
    expect(install.status).not.toBe(0);
    expect(install.errors).toContain("at '/logLevel'");
  });

  it("renders the project's image at appVersion with the image's own entrypoint, a read-only root with /tmp, the measured resources and a PodDisruptionBudget", () => {
    const rendered = render([TEMPORAL]);
    expect(rendered.map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ServiceAccount'].sort(),
    );
    // The tag images/ builds the operator image with.
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart.appVersion).toBe(version);
    const deployment = only<Deployment>(rendered, 'Deployment');
    const container = deployment.spec.template.spec.containers[0]!;
    expect(container).toMatchObject({ image: `opensandbox-temporal-operator/operator:${version}`, imagePullPolicy: 'IfNotPresent' });
    expect(container.command).toBeUndefined();
    expect(container.args).toBeUndefined();
    expect(container.resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '768Mi' } });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'tmp', emptyDir: {} });
    expect(only(rendered, 'PodDisruptionBudget')).toMatchObject({
      apiVersion: 'policy/v1',
      spec: { maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } },
    });
    // Without a PodDisruptionBudget for a single replica, or when turned off.
    expect(render([TEMPORAL, 'replicaCount=1']).map((o) => o.kind)).not.toContain('PodDisruptionBudget');
    expect(render([TEMPORAL, 'podDisruptionBudget.enabled=false']).map((o) => o.kind)).not.toContain('PodDisruptionBudget');
  });

  it('renders work-only replicas in a Deployment of their own: the same pod with the work role, its own selector and resources', () => {
    const operator = operatorContainer(render([TEMPORAL]));
    const rendered = render([TEMPORAL, 'workers.replicaCount=3']);
    const deployments = rendered.filter((o) => o.kind === 'Deployment') as Deployment[];
    expect(deployments.map((d) => d.metadata?.name)).toEqual([`${release}-opensandbox-operator`, `${release}-opensandbox-operator-worker`]);
    const [replicas, workers] = deployments as [Deployment, Deployment];
    const roles = (d: Deployment) => d.spec.template.spec.containers[0]!.env?.find((e) => e.name === 'OPERATOR_ROLES')?.value;
    expect([roles(replicas), roles(workers)]).toEqual(['watch,work', 'work']);
    expect(workers.spec.replicas).toBe(3);
    // The replicas' pods keep their selector; the workers' is apart from it and picks their own pods.
    expect(workers.spec.selector.matchLabels).toEqual({ ...replicas.spec.selector.matchLabels, 'app.kubernetes.io/component': 'worker' });
    expect(workers.spec.template.metadata.labels).toMatchObject(workers.spec.selector.matchLabels);
    // Every other setting as the replicas' pod: the environment but for the roles, the mounts, the resources.
    const { env: workerEnv, ...workerRest } = workers.spec.template.spec.containers[0]!;
    const { env: operatorEnv, ...operatorRest } = operator;
    expect(workerRest).toEqual(operatorRest);
    expect(workerEnv?.filter((e) => e.name !== 'OPERATOR_ROLES')).toEqual(operatorEnv?.filter((e) => e.name !== 'OPERATOR_ROLES'));
    const sized = render([TEMPORAL, 'workers.replicaCount=1', 'workers.resources.requests.memory=300Mi']).filter(
      (o) => o.kind === 'Deployment',
    ) as Deployment[];
    expect(sized[1]!.spec.template.spec.containers[0]!.resources).toEqual({ requests: { memory: '300Mi' } });
    // A misspelt key fails, naming it.
    expect(() => render([TEMPORAL, 'workers.replicas=2'])).toThrow(/replicas/);
  });

  it('renders the node commit agent when enabled: a DaemonSet serving with the committer image, its token shared with the operator alone', () => {
    expect(render([TEMPORAL]).map((o) => o.kind)).not.toContain('DaemonSet');
    const rendered = render([
      TEMPORAL,
      'commitAgent.enabled=true',
      'snapshot.pushSecret=push',
      'snapshot.containerdSocketPath=/run/k3s/containerd/containerd.sock',
    ]);
    // A DaemonSet's pod template has the Deployment's shape.
    const daemonSet = only<Deployment>(rendered, 'DaemonSet');
    const pod = daemonSet.spec.template.spec;
    const agent = pod.containers[0]!;
    expect(agent).toMatchObject({
      image: `opensandbox-temporal-operator/image-committer:${chart.appVersion}`,
      command: ['/usr/local/bin/image-committer'],
      args: ['serve'],
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toContainEqual({ name: 'containerd-sock', hostPath: { path: '/run/k3s/containerd/containerd.sock', type: 'Socket' } });
    expect(pod.volumes).toContainEqual({ name: 'registry-creds', secret: { secretName: 'push', items: [{ key: '.dockerconfigjson', path: 'config.json' }] } });
    const secret = only<KubernetesObject & { data: { token: string } }>(rendered, 'Secret');
    expect(Buffer.from(secret.data.token, 'base64').toString()).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(pod.volumes).toContainEqual({ name: 'token', secret: { secretName: secret.metadata!.name } });

    const deployment = only<Deployment>(rendered, 'Deployment');
    const operator = deployment.spec.template.spec.containers[0]!;
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'commit-agent-token', secret: { secretName: secret.metadata!.name } });
    const env = Object.fromEntries((operator.env ?? []).map((e) => [e.name, e.value]));
    const tokenMount = operator.volumeMounts!.find((m) => m.name === 'commit-agent-token')!;
    expect(env.COMMIT_AGENT_TOKEN_FILE).toBe(`${tokenMount.mountPath}/token`);
    // The operator's selector picks exactly this release's agent pods.
    const selected = Object.fromEntries(env.COMMIT_AGENT_SELECTOR!.split(',').map((term) => term.split('=') as [string, string]));
    expect(daemonSet.spec.template.metadata.labels).toMatchObject(selected);
    expect(daemonSet.spec.selector.matchLabels).toMatchObject(selected);
    // ...and the operator's own selector (Deployment, PodDisruptionBudget, Service) none of them.
    const operatorSelector = deployment.spec.selector.matchLabels;
    expect(Object.entries(operatorSelector).every(([k, v]) => daemonSet.spec.template.metadata.labels[k] === v)).toBe(false);
  });

  it('composes the image from registry, repository, tag or digest', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const cases: [string[], string][] = [
      [['image.registry=registry.example.com:5000', 'image.tag=v2'], 'registry.example.com:5000/opensandbox-temporal-operator/operator:v2'],
      [['image.repository=ghcr.io/acme/operator'], `ghcr.io/acme/operator:${chart.appVersion}`],
      // The digest pins the content: it wins over a tag.
      [
        ['image.registry=registry.example.com', `image.digest=${digest}`, 'image.tag=v2'],
        `registry.example.com/opensandbox-temporal-operator/operator@${digest}`,
      ],
    ];
    for (const [values, image] of cases) {
      const container = operatorContainer(render([TEMPORAL, ...values]));
      expect({ values, image: container.image }).toEqual({ values, image });
      expect(isImageReference(container.image)).toBe(true);
    }
  });

  it('renders a Service on the http port when asked, and with the ServiceMonitor, which selects it', () => {
    const serviceOnly = render([TEMPORAL, 'service.enabled=true']);
    expect(serviceOnly.map((o) => o.kind)).not.toContain('ServiceMonitor');
    const service = only<KubernetesObject & { spec: { ports: unknown[] } }>(serviceOnly, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8081, targetPort: 'http' }]);

    const rendered = render([TEMPORAL, 'serviceMonitor.enabled=true', 'serviceMonitor.interval=15s', 'serviceMonitor.labels.release=prometheus']);
    const monitored = only<KubernetesObject & { spec: { selector: Record<string, string> } }>(rendered, 'Service');
    const monitor = only<KubernetesObject & { spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: unknown; endpoints: unknown[] } }>(
      rendered,
      'ServiceMonitor',
    );
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata?.labels).toMatchObject({ release: 'prometheus' });
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [namespace] });
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s' }]);
    expect(monitored.metadata?.labels).toMatchObject(monitor.spec.selector.matchLabels);
    // The Service's http port is the operator container's.
    const deployment = only<Deployment>(rendered, 'Deployment');
    expect(deployment.spec.template.metadata.labels).toMatchObject(monitored.spec.selector);
    expect(deployment.spec.template.spec.containers[0]!.ports).toEqual([{ name: 'http', containerPort: 8081 }]);
  });

  it('passes the "restricted" Pod Security Standard, with both security contexts taken from the values', async () => {
    /** The Deployment's pod, created (dry run) in the restricted namespace: what its ReplicaSet would create. */
    const admission = async (values: string[]): Promise<string> => {
      const template = only<Deployment>(render([TEMPORAL, ...values], restricted), 'Deployment').spec.template;
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'operator', labels: template.metadata.labels }, spec: template.spec } as V1Pod;
      try {
        await core.createNamespacedPod({ namespace: restricted, body: pod, dryRun: 'All' });
        return 'admitted';
      } catch (err) {
        return apiErrorMessage(err);
      }
    };
    expect(await admission([])).toBe('admitted');
    // Loosened through either value, the same pod is refused: the namespace does enforce the standard.
    const escalating = await admission(['securityContext.allowPrivilegeEscalation=true']);
    expect(escalating).toContain('violates PodSecurity "restricted:latest"');
    expect(escalating).toContain('allowPrivilegeEscalation');
    const root = await admission(['podSecurityContext.runAsNonRoot=false']);
    expect(root).toContain('violates PodSecurity "restricted:latest"');
    expect(root).toContain('runAsNonRoot');
  });

  it('installs the repository CRDs unchanged', () => {
    const { status, output } = helm(['show', 'crds', chartDir]);
    expect(status).toBe(0);
    const shown = parseAllDocuments(output)
      .map((doc) => doc.toJS() as { metadata: { name: string } } | null)
      .filter((d) => d !== null);
    const repo = readCrdFiles();
    expect(shown.map((crd) => crd.metadata.name).sort()).toEqual([...repo.keys()].sort());
    for (const crd of shown) expect(crd).toEqual(repo.get(crd.metadata.name));
  });

  it("installs offline; the operator runs under its ServiceAccount with the Deployment's environment, serves a non-pooled, a pooled and a task sandbox, and the NOTES' commands work as printed", async () => {
    const stack = testStackInfo();
    const install = helmOnCluster([
      'install',
      release,
      chartDir,
      '--namespace',
      namespace,
      ...[`temporal.address=${stack.temporalAddress}`, `watchNamespace=${namespace}`, `taskExecutorUrl=${stack.taskExecutorUrl}`].flatMap((v) => ['--set', v]),
    ]);
    expect({ status: install.status, errors: install.errors }).toMatchObject({ status: 0 });
    installed = true;
    const notes = install.output.slice(install.output.indexOf('NOTES:'));
    const manifest = helmOnCluster(['get', 'manifest', release, '--namespace', namespace]);
    expect(manifest.status).toBe(0);
    const objects = parseManifests(manifest.output);
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ServiceAccount'].sort(),
    );

    // kwok plays the Deployment's pods (Running and Ready, no container): the rollout the NOTES wait for.
    const rollout = runAsUser(notesCommand(notes, 'kubectl rollout status'));
    expect(rollout).toMatchObject({ status: 0, output: expect.stringContaining('successfully rolled out') });

    // The operator itself runs here, as the Deployment's pod would: its ServiceAccount's token, its environment.
    const token = await core.createNamespacedServiceAccountToken({ name: serviceAccount, namespace, body: { spec: { expirationSeconds: 3600 } } });
    const cluster = kc.getCurrentCluster()!;
    const kubeconfig = join(workDir, 'service-account.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'stack', cluster: { server: cluster.server, 'certificate-authority-data': Buffer.from(readFileSync(cluster.caFile!)).toString('base64') } },
        ],
        users: [{ name: serviceAccount, user: { token: token.status?.token } }],
        contexts: [{ name: 'chart', context: { cluster: 'stack', user: serviceAccount } }],
        'current-context': 'chart',
      }),
    );
    const env = Object.fromEntries(operatorContainer(objects).env.flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])));
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
    await ns.createSandbox(
      aBatchSandbox('task', namespace)
        .replicas(1)
        .template()
        .tasks({ spec: { process: { command: ['true'] } } })
        .build(),
    );
    await waitUntil(async () => (await ns.getSandbox('task')).status?.taskSucceed === 1, { what: 'task succeeded', timeoutMs: 60_000 });
    await ns.deleteSandbox('task');
    await ns.waitForSandboxGone('task');

    // The NOTES' sample (in the watched namespace): a Pool and a BatchSandbox served from it.
    expectSucceeds(notesCommand(notes, 'kubectl apply'));
    await ns.waitForAllocation('sample', 1);
    await waitUntil(async () => (await ns.getSandbox('sample')).status?.ready === 1, { what: 'the sample sandbox ready', timeoutMs: 60_000 });
    expectSucceeds(notesCommand(notes, 'kubectl get pool/sample batchsandbox/sample'));
    // Its pause, which the NOTES say fails, the sandbox running on, while snapshot.registry is empty.
    expect(notes).toContain('the snapshot registry is not configured');
    expectSucceeds(notesCommand(notes, `kubectl patch batchsandbox sample -n ${namespace} --type merge -p '{"spec":{"pause":true}}'`));
    let status: BatchSandbox['status'];
    await waitUntil(
      async () => {
        status = (await ns.getSandbox('sample')).status;
        return status?.conditions?.some((c) => c.type === 'PauseFailed') === true;
      },
      { what: 'the sample sandbox PauseFailed', timeoutMs: 60_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${JSON.stringify(status)}`);
    });
    expect(status?.phase).toBe('Succeed');
    expect(status?.conditions?.find((c) => c.type === 'PauseFailed')?.message).toContain('registry not configured');
    expect(operator.stdout()).not.toContain('forbidden');
  }, 240_000);

  it('grants the calls that run did not reach, and nothing beyond what the operator calls', async () => {
    const granted = [
      ['create', 'batch', 'jobs'],
      ['delete', 'batch', 'jobs'],
      ['create', '', 'pods', 'exec'],
      ['create', 'sandbox.opensandbox.io', 'sandboxsnapshots'],
      ['delete', 'sandbox.opensandbox.io', 'sandboxsnapshots'],
      ['update', 'sandbox.opensandbox.io', 'sandboxsnapshots', 'status'],
      ['patch', '', 'events'],
      ['get', '', 'nodes'],
    ] as const;
    for (const [verb, group, resource, subresource] of granted) {
      expect({ verb, resource, subresource, allowed: await allowed(verb, group, resource, subresource) }).toMatchObject({ allowed: true });
    }
    const denied = [
      ['get', '', 'secrets'],
      ['list', '', 'nodes'],
      ['delete', '', 'namespaces'],
      ['update', '', 'pods'],
      ['get', 'apiextensions.k8s.io', 'customresourcedefinitions'],
    ] as const;
    for (const [verb, group, resource] of denied) {
      expect({ verb, resource, allowed: await allowed(verb, group, resource) }).toMatchObject({ allowed: false });
    }
    // ConfigMaps (auto-assign profiles) only in the operator's own namespace.
    expect(await allowed('list', '', 'configmaps')).toBe(true);
    expect(await allowed('list', '', 'configmaps', '', 'default')).toBe(false);
  });
});
