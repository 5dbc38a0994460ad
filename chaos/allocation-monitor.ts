// What the chaos run checks about pooled allocation, continuously, from every BatchSandbox it observes
// (an informer's events: a relist after an apiserver restart reports what went meanwhile as deleted).
// Pure: the caller passes the time of each observation.
//   double allocations  a pod held by two live sandboxes at once (held: alloc-status minus alloc-released,
//                       as the operator's ledger reads it), each pod and pair counted once;
//   allocation latency  from the client's create to the first observation of status.allocated >= replicas;
//   pool stalls         per Pool, the longest time some sandbox of it waited with no sandbox of it allocated;
//   unexplained         given up on (not allocated within the run's bound) with no problem reason on status.
import { ANNOTATIONS, parseAllocationAnnotation } from '../api/v1alpha1/contract.js';
import { percentile } from '../bench/bench-run.js';
import { SANDBOX_PROBLEM_REASONS } from '../planners/sandbox/sandbox-problem.js';

/** The parts of a BatchSandbox the monitor reads. */
export interface ObservedSandbox {
  metadata: { namespace?: string; name?: string; annotations?: Record<string, string> };
  spec?: { replicas?: number; poolRef?: string };
  status?: { allocated?: number; conditions?: { type?: string; status?: string; reason?: string; message?: string }[] };
}

interface Tracked {
  pool: string;
  replicas: number;
  createdAt: number;
  allocatedAt?: number;
  /** Why the operator says it cannot be served, from the latest observation. */
  problem?: string;
}

export interface AllocationSummary {
  double_allocations: number;
  allocations: number;
  allocation_p50_ms: number;
  allocation_p99_ms: number;
  allocation_max_ms: number;
  longest_pool_stall_ms: number;
  unexplained_unallocated: number;
  explained_unallocated: number;
}

const PROBLEM_REASONS: ReadonlySet<string> = new Set(SANDBOX_PROBLEM_REASONS);

export class AllocationMonitor {
  private readonly tracked = new Map<string, Tracked>();
  /** Pods each live sandbox holds, from its latest observation. */
  private readonly held = new Map<string, ReadonlySet<string>>();
  private readonly doubles = new Set<string>();
  private readonly latencies: number[] = [];
  private readonly allocated: { sandbox: string; createdAt: number; latencyMs: number }[] = [];
  /** Per pool: since when a sandbox of it has waited with no allocation in it. */
  private readonly stallSince = new Map<string, number>();
  private longestStall = 0;
  private unexplained = 0;
  private explained = 0;

  /** The workload created a pooled sandbox (its create call returned at `atMs`). */
  created(namespace: string, name: string, pool: string, replicas: number, atMs: number): void {
    // The first waiter of an idle pool starts its clock; otherwise the running wait goes on.
    if (!this.waitingIn(pool)) this.stallSince.set(pool, atMs);
    this.tracked.set(key(namespace, name), { pool, replicas, createdAt: atMs });
  }

  observe(sandbox: ObservedSandbox, atMs: number): void {
    const { namespace = '', name = '' } = sandbox.metadata;
    const id = key(namespace, name);
    const pods = heldPods(sandbox.metadata.annotations ?? {});
    this.held.set(id, pods);
    for (const pod of pods) {
      for (const [other, otherPods] of this.held) {
        if (other !== id && otherPods.has(pod)) this.doubles.add(`${namespace}/${pod} ${[id, other].sort().join(' ')}`);
      }
    }
    const tracked = this.tracked.get(id);
    if (!tracked) return;
    tracked.problem = sandbox.status?.conditions?.find((c) => c.type === 'Progressing' && PROBLEM_REASONS.has(c.reason ?? ''))?.reason;
    if (tracked.allocatedAt === undefined && (sandbox.status?.allocated ?? 0) >= tracked.replicas) {
      tracked.allocatedAt = atMs;
      this.latencies.push(atMs - tracked.createdAt);
      this.allocated.push({ sandbox: id, createdAt: tracked.createdAt, latencyMs: atMs - tracked.createdAt });
      this.progressed(tracked.pool, atMs);
    }
  }

  /** The sandbox is gone from the cluster. */
  gone(namespace: string, name: string, atMs: number): void {
    const id = key(namespace, name);
    this.held.delete(id);
    const tracked = this.tracked.get(id);
    this.tracked.delete(id);
    // A waiting sandbox deleted by the workload (given up) ends the pool's wait only if none is left.
    if (tracked && tracked.allocatedAt === undefined && !this.waitingIn(tracked.pool)) this.progressed(tracked.pool, atMs);
  }

  isAllocated(namespace: string, name: string): boolean {
    return this.tracked.get(key(namespace, name))?.allocatedAt !== undefined;
  }

  /** The workload stops waiting for this sandbox (it will delete it): counted as explained or not. */
  gaveUp(namespace: string, name: string): void {
    const tracked = this.tracked.get(key(namespace, name));
    if (!tracked || tracked.allocatedAt !== undefined) return;
    if (tracked.problem) this.explained++;
    else this.unexplained++;
  }

  summary(nowMs: number): AllocationSummary {
    let longest = this.longestStall;
    for (const [pool, since] of this.stallSince) if (this.waitingIn(pool)) longest = Math.max(longest, nowMs - since);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      double_allocations: this.doubles.size,
      allocations: sorted.length,
      allocation_p50_ms: sorted.length ? Math.round(percentile(sorted, 50)) : 0,
      allocation_p99_ms: sorted.length ? Math.round(percentile(sorted, 99)) : 0,
      allocation_max_ms: Math.round(sorted.at(-1) ?? 0),
      longest_pool_stall_ms: Math.round(longest),
      unexplained_unallocated: this.unexplained,
      explained_unallocated: this.explained,
    };
  }

  /** The `n` slowest allocations, slowest first, for the run's report. */
  slowest(n: number): { sandbox: string; createdAt: number; latencyMs: number }[] {
    return [...this.allocated].sort((a, b) => b.latencyMs - a.latencyMs).slice(0, n);
  }

  /** Pairs of sandboxes that held one pod at once, for the run's report. */
  doubleAllocations(): string[] {
    return [...this.doubles];
  }

  /** An allocation in the pool (or its last waiter leaving): a stall that was running ends here. */
  private progressed(pool: string, atMs: number): void {
    const since = this.stallSince.get(pool);
    if (since !== undefined) this.longestStall = Math.max(this.longestStall, atMs - since);
    this.stallSince.set(pool, atMs);
  }

  private waitingIn(pool: string): boolean {
    for (const t of this.tracked.values()) if (t.pool === pool && t.allocatedAt === undefined) return true;
    return false;
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** alloc-status minus alloc-released; a malformed annotation holds nothing (the operator reports it). */
function heldPods(annotations: Record<string, string>): ReadonlySet<string> {
  const read = (annotation: string): string[] => {
    const value = annotations[annotation];
    if (value === undefined) return [];
    try {
      return parseAllocationAnnotation(value).pods;
    } catch {
      return [];
    }
  };
  const released = new Set(read(ANNOTATIONS.allocReleased));
  return new Set(read(ANNOTATIONS.allocStatus).filter((pod) => !released.has(pod)));
}
