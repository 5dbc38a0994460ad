// The chaos run's eyes: one informer on every BatchSandbox (the operator's own resilient informer, so it
// rides out apiserver restarts), each event passed to the allocation monitor, and waits on a sandbox's
// observed state that end as soon as an event satisfies them.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { BATCH_SANDBOX, GROUP, VERSION } from '../api/v1alpha1/group.js';
import type { Logger } from '../kernel/logger.js';
import { ResourceInformer } from '../watchers/resource-informer.js';
import { makeTrimmedInformer } from '../watchers/trimmed-informer.js';
import type { AllocationMonitor, ObservedSandbox } from './allocation-monitor.js';

export type SandboxObject = ObservedSandbox &
  KubernetesObject & {
    metadata: { generation?: number; deletionTimestamp?: Date | string; finalizers?: string[] };
    status?: ObservedSandbox['status'] & { phase?: string; ready?: number; pauseObservedGeneration?: number };
  };

interface Waiter {
  key: string;
  satisfied: (sandbox: SandboxObject | undefined) => boolean;
  resolve: (met: boolean) => void;
}

export class SandboxWatch {
  private readonly informer: ResourceInformer<SandboxObject>;
  private readonly waiters = new Set<Waiter>();

  constructor(kc: KubeConfig, monitor: AllocationMonitor, log: Logger) {
    const path = `/apis/${GROUP}/${VERSION}/${BATCH_SANDBOX.plural}`;
    this.informer = new ResourceInformer<SandboxObject>({
      kind: 'BatchSandbox',
      listWatch: makeTrimmedInformer<SandboxObject>(kc, path, { kind: 'BatchSandbox', log }),
      log,
    });
    const seen = (sandbox: SandboxObject): void => {
      monitor.observe(sandbox, performance.now());
      this.wake(sandbox);
    };
    this.informer.on('add', seen);
    this.informer.on('update', seen);
    this.informer.on('delete', (sandbox) => {
      monitor.gone(sandbox.metadata.namespace ?? '', sandbox.metadata.name ?? '', performance.now());
      this.wake(undefined, keyOf(sandbox));
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): Promise<void> {
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters.clear();
    return this.informer.stop();
  }

  get(namespace: string, name: string): SandboxObject | undefined {
    return this.informer.get(name, namespace);
  }

  /** Resolves true once the sandbox's observed state satisfies `satisfied` (undefined: gone), false after `timeoutMs`. */
  waitFor(namespace: string, name: string, satisfied: Waiter['satisfied'], timeoutMs: number): Promise<boolean> {
    if (satisfied(this.get(namespace, name))) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const waiter: Waiter = { key: `${namespace}/${name}`, satisfied, resolve: (met) => finish(met) };
      const finish = (met: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(met);
      };
      this.waiters.add(waiter);
    });
  }

  private wake(sandbox: SandboxObject | undefined, key = keyOf(sandbox!)): void {
    for (const waiter of this.waiters) if (waiter.key === key && waiter.satisfied(sandbox)) waiter.resolve(true);
  }
}

function keyOf(sandbox: KubernetesObject): string {
  return `${sandbox.metadata?.namespace}/${sandbox.metadata?.name}`;
}
