// poolRef "*" (auto-assign, spec §5): one merge patch resolves it to the Pool the planner chooses, guarded
// by the resourceVersion the choice was made from; the pool signaler then sees a pooled sandbox and wakes
// that Pool's workflow. With no eligible Pool a condition and a Warning Event say why, and Pool events
// re-enqueue the waiting sandboxes of their namespace (no retry loop).
//
// A sandbox with "*" and a template: upstream keeps the template, and since the pool controller skips
// sandboxes with a template, such a sandbox is never allocated (spec §10 B3). What its user asked for is a
// warm pod from a Pool that matches the template (image, requests, node selection), so the template has
// served its purpose once a Pool is chosen: it is removed in the same write, as our CRD requires (template
// and a named poolRef are exclusive), and the Pool's pods are allocated as for any pooled sandbox. The
// Event says so, since the pods run the Pool's template, not the sandbox's.
import type { KubernetesObject } from '@kubernetes/client-node';
import { AUTO_ASSIGN_POOL_REF, type BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { BATCH_SANDBOX } from '../../api/v1alpha1/group.js';
import { poolSchema, type Pool } from '../../api/v1alpha1/pool.js';
import { EVENT_REASONS } from '../../kernel/events.js';
import type { AssignProfile } from '../../planners/auto-assign/assign-plugins.js';
import { choosePool } from '../../planners/auto-assign/pool-auto-assign.js';
import { noEligiblePoolProblem } from '../../planners/sandbox/sandbox-problem.js';
import type { InformerView } from '../resource-informer.js';
import type { SandboxReconciler, SandboxReconcilerDeps, StepOutcome } from './sandbox-reconciler.js';

export class PoolAssignReconciler implements SandboxReconciler {
  constructor(
    private readonly deps: SandboxReconcilerDeps,
    private readonly pools: Pick<InformerView<KubernetesObject>, 'list'>,
    /** The auto-assign profile in force; the built-in default when absent. */
    private readonly assignProfile: (() => AssignProfile) | undefined,
  ) {}

  async reconcile(key: string, sandbox: BatchSandbox): Promise<StepOutcome> {
    if (sandbox.spec.poolRef !== AUTO_ASSIGN_POOL_REF) return 'continue';
    const { name, namespace = '', resourceVersion } = sandbox.metadata;
    const pools = this.pools.list(namespace).flatMap((raw): Pool[] => {
      // A Pool that does not parse cannot be matched: it is no candidate.
      const parsed = poolSchema.safeParse(raw);
      return parsed.success ? [parsed.data] : [];
    });
    const choice = choosePool({ sandbox, pools, profile: this.assignProfile?.() });
    if (choice.kind === 'none') {
      const problem = noEligiblePoolProblem(`no eligible pool found for BatchSandbox ${name}: ${choice.reason}`);
      this.deps.warnings.problem(key, sandbox, problem);
      await this.deps.writes.problemStatus(key, sandbox, problem);
      return 'done';
    }
    const hadTemplate = sandbox.spec.template !== undefined;
    const spec = { poolRef: choice.pool, ...(hadTemplate && { template: null }) };
    await this.deps.writes.patch(key, sandbox, 'metadata', { metadata: { resourceVersion }, spec });
    this.deps.log.info({ kind: BATCH_SANDBOX.kind, namespace, name, pool: choice.pool, score: choice.score }, 'Assigned BatchSandbox to Pool');
    const removed = hadTemplate ? '; spec.template served only to choose it and was removed' : '';
    this.deps.events.record(sandbox, 'Normal', EVENT_REASONS.PoolAssigned, `assigned to pool ${choice.pool}${removed}`);
    return 'done';
  }
}
