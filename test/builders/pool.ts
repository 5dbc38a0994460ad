// Test-object builder for Pools: aPool('p').capacity({ bufferMin: 1, bufferMax: 3, poolMin: 0, poolMax: 5 }).build().
import { API_VERSION } from '../../api/v1alpha1/group.js';
import type { CapacitySpec, Pool, RecycleStrategyType } from '../../api/v1alpha1/pool.js';
import type { IntOrPercent } from '../../api/v1alpha1/int-or-percent.js';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import { SIMPLE_TEMPLATE } from './batch-sandbox.js';

export class PoolBuilder {
  private readonly pool: Pool;

  constructor(name: string, namespace = 'default') {
    this.pool = {
      apiVersion: API_VERSION,
      kind: 'Pool',
      metadata: { name, namespace, uid: `uid-${name}`, generation: 1, labels: {}, annotations: {} },
      spec: {
        template: structuredClone(SIMPLE_TEMPLATE),
        capacitySpec: { bufferMin: 1, bufferMax: 3, poolMin: 0, poolMax: 5 },
      },
    };
  }

  capacity(capacity: Partial<CapacitySpec>): this {
    this.pool.spec.capacitySpec = { ...this.pool.spec.capacitySpec, ...capacity };
    return this;
  }

  scaleMaxUnavailable(value: IntOrPercent): this {
    this.pool.spec.scaleStrategy = { maxUnavailable: value };
    return this;
  }

  updateMaxUnavailable(value: IntOrPercent): this {
    this.pool.spec.updateStrategy = { maxUnavailable: value };
    return this;
  }

  recycle(type: RecycleStrategyType): this {
    this.pool.spec.recycleStrategy = { type };
    return this;
  }

  generation(generation: number): this {
    this.pool.metadata.generation = generation;
    return this;
  }

  template(template: PodTemplate): this {
    this.pool.spec.template = structuredClone(template);
    return this;
  }

  image(image: string): this {
    this.pool.spec.template.spec.containers[0]!.image = image;
    return this;
  }

  label(key: string, value: string): this {
    this.pool.metadata.labels![key] = value;
    return this;
  }

  annotation(key: string, value: string): this {
    this.pool.metadata.annotations![key] = value;
    return this;
  }

  build(): Pool {
    return structuredClone(this.pool);
  }
}

export const aPool = (name: string, namespace?: string): PoolBuilder => new PoolBuilder(name, namespace);
