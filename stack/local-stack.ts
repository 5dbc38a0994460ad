// The embedded local stack shared by the test harness and the dev command: etcd, kube-apiserver
// (RBAC, token authn), kube-controller-manager (garbage collection, namespace deletion, Jobs),
// kube-scheduler, kwok with fake nodes, the simulated image-committer (in this process: it plays the
// committer and failed image pulls on the fake nodes), the simulated task-executors of the pods (in this
// process too: kwok pods run nothing), and the Temporal dev server, all on free
// loopback ports with data in one directory; on request, one real node (stack/real-node/). `stop()`
// tears everything down, also after a failed start.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConnectionReusingKubeConfig } from '../operator/kube-config.js';
import { startControlPlaneComponent } from './control-plane-component.js';
import { startEtcd } from './etcd.js';
import { installCrds } from './install-crds.js';
import { startKubeApiServer } from './kube-apiserver.js';
import { writeAdminKubeconfig } from './kubeconfig.js';
import { createFakeNodes, startKwok } from './kwok.js';
import { ManagedProcess } from './managed-process.js';
import { startSimulatedCommitter } from './simulated-committer.js';
import { SimulatedTaskExecutors } from './simulated-task-executor.js';
import { prepareRealNode, type PreparedRealNode, type RealNode } from './real-node/real-node.js';
import { RestartableProcess } from './restartable-process.js';
import { startTemporalDevServer } from './temporal-dev-server.js';
import { realNodeTools, resolveToolchain } from './toolchain.js';

export interface LocalStackOptions {
  /** Where data and logs go; a fresh temp dir by default (removed on stop unless `keepDataDir`). */
  dataDir?: string;
  keepDataDir?: boolean;
  fakeNodes?: number;
  temporalUi?: boolean;
  /** Temporal's ports when free (stack/temporal-dev-server.ts preferredPorts). */
  temporalPorts?: { frontend: number; ui: number };
  /** Persist Temporal state in `<dataDir>/temporal.db`. */
  persistTemporal?: boolean;
  installCrds?: boolean;
  /**
   * Also start one real node (kubelet + containerd + registry; root only, one per machine). `'if-possible'`
   * starts it where it can and records why not elsewhere (`realNodeUnavailable`).
   */
  realNode?: boolean | 'if-possible';
  /** Per-component readiness timeout. */
  timeoutMs?: number;
  onProgress?: (message: string) => void;
}

export interface LocalStack {
  dataDir: string;
  kubeconfigPath: string;
  apiServerUrl: string;
  /** The apiserver's audit log of writes to our API group (stack/kube-apiserver.ts). */
  auditLogPath: string;
  kubeConfig: KubeConfig;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string | undefined;
  nodeNames: string[];
  /** The operator's --task-executor-url for the stack's simulated executors. */
  taskExecutorUrl: string;
  /** The real node, when asked for and started. */
  realNode: RealNode | undefined;
  /** Why the real node did not start (with `realNode: 'if-possible'`). */
  realNodeUnavailable: string | undefined;
  /** Seconds from start to ready, per phase and in total. */
  timings: Record<string, number>;
  /** PIDs of every process the stack started (for leak checks). */
  pids: number[];
  /**
   * Crashes a server (SIGKILL) and starts it again on the same ports and data; resolves with how long it
   * was down (ms). Temporal keeps its workflows only with `persistTemporal`. The kube-apiserver's restart
   * also restarts kube-scheduler once the apiserver is back.
   */
  crashAndRestart(server: 'kube-apiserver' | 'temporal'): Promise<number>;
  stop(): Promise<void>;
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const tools = resolveToolchain();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'opensandbox-stack-'));
  mkdirSync(dataDir, { recursive: true });
  const progress = opts.onProgress ?? (() => {});
  // Child processes and in-process components, in start order.
  const started: { stop(): Promise<void> }[] = [];
  const timings: Record<string, number> = {};
  const t0 = performance.now();
  const mark = (phase: string): void => {
    timings[phase] = round((performance.now() - t0) / 1000);
    progress(`${phase} ready after ${timings[phase]} s`);
  };
  const track = <T extends { process: ManagedProcess | RestartableProcess } | ManagedProcess>(value: T): T => {
    started.push('process' in value ? value.process : value);
    return value;
  };

  const stop = async (): Promise<void> => {
    // Reverse start order: clients of the apiserver first, etcd last.
    for (const p of [...started].reverse()) await p.stop();
    if (!opts.keepDataDir && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  let temporalStarting: Promise<unknown> = Promise.resolve();
  try {
    const temporalPromise = startTemporalDevServer({
      binary: tools.temporal,
      dataDir,
      ui: opts.temporalUi ?? false,
      dbFile: opts.persistTemporal ? join(dataDir, 'temporal.db') : undefined,
      ...(opts.temporalPorts && { preferredPorts: opts.temporalPorts }),
      timeoutMs,
    }).then((t) => {
      track(t);
      mark('temporal');
      return t;
    });
    // Keep a failure of the Temporal start from becoming an unhandled rejection while the
    // Kubernetes side is still starting; it is rethrown by the await below.
    temporalStarting = temporalPromise.catch(() => {});

    let preparedRealNode: PreparedRealNode | undefined;
    let realNodeUnavailable: string | undefined;
    if (opts.realNode) {
      try {
        preparedRealNode = prepareRealNode(realNodeTools(), dataDir);
      } catch (err) {
        if (opts.realNode !== 'if-possible') throw err;
        realNodeUnavailable = (err as Error).message;
      }
    }

    const etcd = track(await startEtcd(tools.etcd, dataDir, timeoutMs));
    mark('etcd');
    const apiServer = track(await startKubeApiServer(tools.kubeApiserver, dataDir, etcd.clientUrl, timeoutMs, preparedRealNode?.apiServerExtras));
    mark('kube-apiserver');
    const kubeconfigPath = join(dataDir, 'kubeconfig');
    writeAdminKubeconfig(kubeconfigPath, apiServer.url, apiServer.caPath, apiServer.adminToken);
    const kubeConfig = new ConnectionReusingKubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    started.push(await startSimulatedCommitter(kubeConfig, join(dataDir, 'simulated-committer.log')));
    const taskExecutors = await SimulatedTaskExecutors.start(kubeConfig);
    started.push(taskExecutors);

    // allSettled, not all: on a failure every sibling must have finished (and be tracked) before stop().
    const [, scheduler, , nodes] = await Promise.allSettled([
      startControlPlaneComponent({
        name: 'kube-controller-manager',
        binary: tools.kubeControllerManager,
        dataDir,
        kubeconfigPath,
        timeoutMs,
        extraArgs: [
          `--service-account-private-key-file=${apiServer.serviceAccountKeyPath}`,
          `--root-ca-file=${apiServer.caPath}`,
          '--use-service-account-credentials=false',
          // Fake nodes get no pod CIDRs; kwok assigns pod IPs from its own range.
          '--allocate-node-cidrs=false',
          // Snappier garbage collection and job tracking for tests.
          '--concurrent-gc-syncs=50',
          '--kube-api-qps=500',
          '--kube-api-burst=1000',
        ],
      }).then((p) => track(p)),
      RestartableProcess.start(() =>
        startControlPlaneComponent({ name: 'kube-scheduler', binary: tools.kubeScheduler, dataDir, kubeconfigPath, timeoutMs, extraArgs: [] }),
      ).then((process) => track({ process })),
      startKwok({ binary: tools.kwok, dataDir, kubeconfigPath, timeoutMs }).then((p) => track(p)),
      createFakeNodes(kubeConfig, opts.fakeNodes ?? 2, timeoutMs),
    ]).then(throwFirstRejection);
    const nodeNames = (nodes as PromiseFulfilledResult<string[]>).value;
    const schedulerProcess = (scheduler as PromiseFulfilledResult<{ process: RestartableProcess }>).value.process;
    mark('kubernetes');

    let realNode: RealNode | undefined;
    if (preparedRealNode) {
      try {
        realNode = await preparedRealNode.start({ apiServerUrl: apiServer.url, apiServerCaPath: apiServer.caPath, kubeConfig, kubeconfigPath, timeoutMs });
        started.push(realNode);
        mark('real-node');
      } catch (err) {
        if (opts.realNode !== 'if-possible') throw err;
        realNodeUnavailable = `the real node failed to start: ${(err as Error).message}`;
      }
    }

    if (opts.installCrds ?? true) {
      await installCrds(kubeConfig, timeoutMs);
      mark('crds');
    }
    const temporal = await temporalPromise;
    mark('total');

    return {
      dataDir,
      kubeconfigPath,
      apiServerUrl: apiServer.url,
      auditLogPath: apiServer.auditLogPath,
      kubeConfig,
      temporalAddress: temporal.address,
      temporalNamespace: temporal.namespace,
      temporalUiUrl: temporal.uiUrl,
      nodeNames,
      taskExecutorUrl: taskExecutors.urlTemplate,
      realNode,
      realNodeUnavailable,
      timings,
      get pids() {
        return started.flatMap((p) => (p instanceof ManagedProcess ? [p.pid] : p instanceof RestartableProcess ? [p.process.pid] : []));
      },
      crashAndRestart: async (server) => {
        if (server === 'temporal') {
          if (!opts.persistTemporal) throw new Error('restarting Temporal needs persistTemporal: its workflows would be lost');
          return temporal.process.crashAndRestart();
        }
        const down = await apiServer.process.crashAndRestart();
        // As on a control-plane node that restarts: kube-scheduler 1.36 can stop scheduling for good after
        // an apiserver restart (its cache "corrupted" by a pod deleted and created again under its name;
        // new pods then stay Pending without an event), which failed 2 of 25 chaos runs; started afresh it
        // lists a consistent cluster.
        await schedulerProcess.crashAndRestart();
        return down;
      },
      stop,
    };
  } catch (err) {
    // Whatever did start must not outlive a failed start: let a pending Temporal start settle so
    // its process is tracked, then stop everything.
    await temporalStarting;
    await stop();
    throw err;
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 100) / 100;
}

function throwFirstRejection<T extends PromiseSettledResult<unknown>[]>(results: T): T {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results;
}
