// An informer the test feeds by hand: `deliver` is a watch event (the cache takes the object, then the
// handlers hear of it); `synced` says whether the first list has arrived.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { InformerEventType } from '../../watchers/resource-informer.js';

export class FakeInformer<T extends KubernetesObject> {
  private readonly objects = new Map<string, T>();
  private readonly handlers: { event: InformerEventType; handler: (obj: T) => void }[] = [];

  on(event: InformerEventType, handler: (obj: T) => void): void {
    this.handlers.push({ event, handler });
  }

  synced = true;

  hasSynced(): boolean {
    return this.synced;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  list(namespace?: string): T[] {
    return [...this.objects.values()].filter((o) => o.metadata?.namespace === namespace);
  }

  /** A watch event: the cache takes `obj` and the handlers hear of it. */
  deliver(obj: T): void {
    const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
    const event = this.objects.has(key) ? 'update' : 'add';
    this.objects.set(key, structuredClone(obj));
    for (const h of this.handlers) if (h.event === event) h.handler(obj);
  }
}
