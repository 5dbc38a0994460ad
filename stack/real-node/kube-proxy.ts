// kube-proxy on the real node, so Services work as on any cluster: a pod (the in-cluster operator, the
// Temporal dev server's clients) reaches a Service's ClusterIP, and so does the host. iptables mode, with
// Debian's iptables (nf_tables backend) from the toolchain cache on its PATH.
//
// Settings this machine needs: every Service connection is masqueraded (`--masquerade-all`), because the
// CNI bridge delivers a reply from a pod on the same bridge straight to the client, which would otherwise
// see it come from the pod's IP instead of the ClusterIP; kube-proxy leaves the host's conntrack sysctls
// and localhost NodePorts alone (nothing to restore). Its rules are removed with `kube-proxy --cleanup`
// when the node stops, or by the next start when the previous owner died.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ManagedProcess } from '../managed-process.js';
import { waitUntil } from '../wait-until.js';
import { POD_SUBNET } from './node-network.js';

export interface StartKubeProxyOptions {
  kubeProxy: string;
  /** Directory holding iptables, iptables-save and iptables-restore. */
  iptablesBinDir: string;
  kubeconfigPath: string;
  nodeName: string;
  healthzPort: number;
  metricsPort: number;
  logPath: string;
  timeoutMs: number;
}

/** A chain kube-proxy creates that `--cleanup` leaves behind. */
const FIREWALL_CHAIN = 'KUBE-FIREWALL';

function environment(iptablesBinDir: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${iptablesBinDir}:${process.env.PATH ?? ''}` };
}

export async function startKubeProxy(opts: StartKubeProxyOptions): Promise<ManagedProcess> {
  const process = ManagedProcess.start({
    name: 'kube-proxy',
    command: opts.kubeProxy,
    args: [
      `--kubeconfig=${opts.kubeconfigPath}`,
      `--hostname-override=${opts.nodeName}`,
      '--proxy-mode=iptables',
      `--cluster-cidr=${POD_SUBNET}`,
      '--masquerade-all',
      '--iptables-localhost-nodeports=false',
      // 0 = leave the host's value: no conntrack sysctl to restore.
      '--conntrack-max-per-core=0',
      '--conntrack-tcp-timeout-established=0',
      '--conntrack-tcp-timeout-close-wait=0',
      `--healthz-bind-address=127.0.0.1:${opts.healthzPort}`,
      `--metrics-bind-address=127.0.0.1:${opts.metricsPort}`,
      '--v=1',
    ],
    env: environment(opts.iptablesBinDir),
    logPath: opts.logPath,
  });
  // /healthz answers 200 once the first rules are written.
  await waitUntil(
    async () => {
      const res = await fetch(`http://127.0.0.1:${opts.healthzPort}/healthz`).catch(() => undefined);
      return res?.status === 200;
    },
    { what: 'kube-proxy rules synced (/healthz)', timeoutMs: opts.timeoutMs, process, intervalMs: 200 },
  );
  return process;
}

/**
 * Removes every rule kube-proxy wrote; returns what failed. `--cleanup` leaves the KUBE-FIREWALL chain
 * (and its jumps from INPUT and OUTPUT) that kube-proxy also creates: removed here, where present.
 */
export function removeKubeProxyRules(kubeProxy: string, iptablesBinDir: string): string[] {
  const run = (command: string, args: string[]) => execFileSync(command, args, { env: environment(iptablesBinDir), stdio: 'pipe', timeout: 60_000 });
  try {
    run(kubeProxy, ['--cleanup', '--proxy-mode=iptables']);
  } catch (err) {
    return [`kube-proxy --cleanup: ${(err as Error).message}`];
  }
  const failures: string[] = [];
  for (const iptables of ['iptables', 'ip6tables'].map((name) => join(iptablesBinDir, name))) {
    for (const chain of ['INPUT', 'OUTPUT']) {
      // -C fails when the jump is absent: nothing to delete.
      try {
        run(iptables, ['-C', chain, '-j', FIREWALL_CHAIN]);
      } catch {
        continue;
      }
      try {
        run(iptables, ['-D', chain, '-j', FIREWALL_CHAIN]);
      } catch (err) {
        failures.push(`${iptables} -D ${chain} -j ${FIREWALL_CHAIN}: ${(err as Error).message}`);
      }
    }
    try {
      run(iptables, ['-F', FIREWALL_CHAIN]);
      run(iptables, ['-X', FIREWALL_CHAIN]);
    } catch {
      // Absent: nothing left.
    }
  }
  return failures;
}
