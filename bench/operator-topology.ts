// The operator processes a benchmark runs against, each its own process as a Deployment's pods are: by
// default one with both roles (the chart's default), or several, e.g. `watch+work,watch+work,work` (two
// replicas and one work-only process) or `watch,work` (each role alone, to weigh them apart).
import { freePorts } from '../stack/free-port.js';
import type { LocalStack } from '../stack/local-stack.js';
import type { ManagedProcess } from '../stack/managed-process.js';
import { startOperatorOnStack, waitForOperatorReady } from '../stack/operator-on-stack.js';
import type { Role } from '../config/operator-config.js';
import { peakResidentMb, residentMb } from './resident-memory.js';

/** One entry per process: the roles it runs. */
export type OperatorTopology = readonly (readonly Role[])[];

export const ONE_OPERATOR: OperatorTopology = [['watch', 'work']];

/** `watch+work,work` → [[watch, work], [work]]. */
export function parseTopology(text: string): OperatorTopology {
  const topology = text.split(',').map((process) => process.split('+').map((role) => role.trim()));
  for (const roles of topology) {
    const unknown = roles.filter((role) => role !== 'watch' && role !== 'work');
    if (roles.length === 0 || unknown.length > 0) throw new Error(`--operators: '${text}' is not a comma-separated list of watch+work, watch or work`);
  }
  if (!topology.some((roles) => roles.includes('watch')) || !topology.some((roles) => roles.includes('work'))) {
    throw new Error(`--operators: '${text}' needs a process with the watch role and one with the work role`);
  }
  return topology as OperatorTopology;
}

export const topologyName = (topology: OperatorTopology): string => topology.map((roles) => roles.join('+')).join(',');

export class BenchOperators {
  private constructor(
    readonly topology: OperatorTopology,
    private readonly processes: ManagedProcess[],
  ) {}

  /** The operator processes' pids, in topology order. */
  get pids(): number[] {
    return this.processes.map((p) => p.pid);
  }

  static async start(stack: LocalStack, topology: OperatorTopology): Promise<BenchOperators> {
    const ports = await freePorts(topology.length);
    const processes = topology.map((roles, i) =>
      startOperatorOnStack(stack, {
        name: topology.length === 1 ? 'operator' : `operator-${i}`,
        httpPort: ports[i]!,
        // BENCH_OPERATOR_LOG_LEVEL=debug (with --keep) leaves the operator's decisions in its log.
        env: { LOG_LEVEL: process.env.BENCH_OPERATOR_LOG_LEVEL ?? 'warn', OPERATOR_ROLES: roles.join(',') },
      }),
    );
    const operators = new BenchOperators(topology, processes);
    try {
      await Promise.all(processes.map((p, i) => waitForOperatorReady(p, ports[i]!)));
    } catch (err) {
      await operators.stop();
      throw err;
    }
    return operators;
  }

  /**
   * `operator_rss_mb` (all processes) and `operator_peak_rss_mb` (the largest any one process has had, what
   * a memory limit must allow) and, with more than one, each process's RSS in topology order.
   */
  memoryFigures(): { operator_rss_mb: number; operator_peak_rss_mb: number; operators?: string; rss_mb_by_process?: number[] } {
    const each = this.processes.map((p) => residentMb(p.pid));
    const total = each.reduce((a, b) => a + b, 0);
    const peak = Math.max(...this.processes.map((p) => peakResidentMb(p.pid)));
    return this.processes.length === 1
      ? { operator_rss_mb: total, operator_peak_rss_mb: peak }
      : { operator_rss_mb: total, operator_peak_rss_mb: peak, operators: topologyName(this.topology), rss_mb_by_process: each };
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop(10_000)));
  }
}
