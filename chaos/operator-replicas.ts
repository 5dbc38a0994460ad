// The operator replicas of a chaos run, each its own process as a Deployment's pods are: killed with
// SIGKILL and started again a moment later on the same port, as the kubelet restarts a crashed container.
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from '../stack/free-port.js';
import type { LocalStack } from '../stack/local-stack.js';
import type { ManagedProcess } from '../stack/managed-process.js';
import { startOperatorOnStack, waitForOperatorReady } from '../stack/operator-on-stack.js';

/** The kubelet's first restart backoff is longer; one second keeps the run's faults frequent. */
const RESTART_DELAY_MS = 1_000;

export class OperatorReplicas {
  /** Replicas that exited by themselves (not killed by the run), with their last log lines. */
  readonly crashes: string[] = [];
  private readonly restarting = new Set<number>();
  private readonly supervisor: NodeJS.Timeout;

  private constructor(
    private readonly stack: LocalStack,
    private readonly ports: number[],
    private readonly processes: ManagedProcess[],
  ) {
    // As the kubelet: a replica that exits is started again (and its exit is recorded).
    this.supervisor = setInterval(() => {
      this.processes.forEach((p, i) => {
        if (p.running || this.restarting.has(i)) return;
        this.crashes.push(`${p.name}: ${p.logTail(5)}`);
        void this.restart(i).catch(() => {});
      });
    }, RESTART_DELAY_MS);
  }

  static async start(stack: LocalStack, count: number): Promise<OperatorReplicas> {
    const ports = await freePorts(count);
    const replicas = new OperatorReplicas(stack, ports, []);
    for (let i = 0; i < count; i++) replicas.processes.push(replicas.launch(i));
    await Promise.all(replicas.processes.map((p, i) => waitForOperatorReady(p, ports[i]!)));
    return replicas;
  }

  get pids(): number[] {
    return this.processes.map((p) => p.pid);
  }

  /** kill -9 of replica `i`, then its restart; resolves once it is Ready again. */
  async killAndRestart(i: number): Promise<void> {
    this.restarting.add(i);
    await this.processes[i]!.kill();
    await this.restart(i);
  }

  async stop(): Promise<void> {
    clearInterval(this.supervisor);
    await Promise.all(this.processes.map((p) => p.stop(10_000)));
  }

  private async restart(i: number): Promise<void> {
    this.restarting.add(i);
    try {
      await sleep(RESTART_DELAY_MS);
      this.processes[i] = this.launch(i);
      await waitForOperatorReady(this.processes[i], this.ports[i]!, 120_000);
    } finally {
      this.restarting.delete(i);
    }
  }

  private launch(i: number): ManagedProcess {
    return startOperatorOnStack(this.stack, { name: `operator-${i}`, httpPort: this.ports[i]!, env: { LOG_LEVEL: process.env.CHAOS_OPERATOR_LOG ?? 'warn' } });
  }
}
