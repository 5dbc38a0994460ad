// Test-object builder for BatchSandboxes: aBatchSandbox('bs').replicas(100).poolRef('p').build().
import { ZERO_COUNTERS } from '../../planners/sandbox/batch-sandbox-status.js';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import { API_VERSION } from '../../api/v1alpha1/group.js';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';

export const SIMPLE_TEMPLATE: PodTemplate = {
  spec: { containers: [{ name: 'sandbox', image: 'sandbox:1', command: ['sleep', '3600'] }] },
};

export class BatchSandboxBuilder {
  private readonly bs: BatchSandbox;

  constructor(name: string, namespace = 'default') {
    this.bs = {
      apiVersion: API_VERSION,
      kind: 'BatchSandbox',
      metadata: { name, namespace, uid: `uid-${name}`, generation: 1, annotations: {} },
      spec: { replicas: 1 },
    };
  }

  replicas(n: number): this {
    this.bs.spec.replicas = n;
    return this;
  }

  generation(generation: number): this {
    this.bs.metadata.generation = generation;
    return this;
  }

  poolRef(pool: string): this {
    this.bs.spec.poolRef = pool;
    return this;
  }

  template(template: PodTemplate = SIMPLE_TEMPLATE): this {
    this.bs.spec.template = structuredClone(template);
    return this;
  }

  shardPatches(patches: Record<string, unknown>[]): this {
    this.bs.spec.shardPatches = patches;
    return this;
  }

  /** spec.taskTemplate and, per shard, shardTaskPatches. */
  tasks(taskTemplate: NonNullable<BatchSandbox['spec']['taskTemplate']>, shardTaskPatches?: Record<string, unknown>[]): this {
    this.bs.spec.taskTemplate = taskTemplate;
    if (shardTaskPatches !== undefined) this.bs.spec.shardTaskPatches = shardTaskPatches;
    return this;
  }

  taskResourcePolicy(policy: 'Retain' | 'Release'): this {
    this.bs.spec.taskResourcePolicyWhenCompleted = policy;
    return this;
  }

  /** spec.pause: true pause, false resume, undefined no intent (what a merge patch of null leaves). */
  pause(intent: boolean | undefined): this {
    if (intent === undefined) delete this.bs.spec.pause;
    else this.bs.spec.pause = intent;
    return this;
  }

  finalizers(finalizers: string[]): this {
    this.bs.metadata.finalizers = [...finalizers];
    return this;
  }

  expireTime(iso: string): this {
    this.bs.spec.expireTime = iso;
    return this;
  }

  allocated(pods: string[]): this {
    return this.annotation(ANNOTATIONS.allocStatus, JSON.stringify({ pods }));
  }

  releaseRequested(pods: string[]): this {
    return this.annotation(ANNOTATIONS.allocRelease, JSON.stringify({ pods }));
  }

  released(pods: string[]): this {
    return this.annotation(ANNOTATIONS.allocReleased, JSON.stringify({ pods }));
  }

  annotation(key: string, value: string): this {
    this.bs.metadata.annotations![key] = value;
    return this;
  }

  status(status: Partial<NonNullable<BatchSandbox['status']>>): this {
    this.bs.status = { ...ZERO_COUNTERS, ...status };
    return this;
  }

  deleting(at = '2026-01-01T00:05:00Z'): this {
    (this.bs.metadata as Record<string, unknown>).deletionTimestamp = at;
    return this;
  }

  build(): BatchSandbox {
    return structuredClone(this.bs);
  }
}

export const aBatchSandbox = (name: string, namespace?: string): BatchSandboxBuilder => new BatchSandboxBuilder(name, namespace);
