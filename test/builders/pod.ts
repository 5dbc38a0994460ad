// Test-object builder for Pods: aPod('p-1').inPool('pool').ready().build(), or .digest() as a pool round sees it.
import type { V1Pod } from '@kubernetes/client-node';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { digestPod } from '../../activities/pool-views.js';
import type { PodDigest } from '../../planners/pool/pool-observation.js';

export class PodBuilder {
  private readonly pod: V1Pod;

  constructor(name: string, namespace = 'default') {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace,
        uid: `uid-${name}`,
        labels: {},
        creationTimestamp: new Date('2026-01-01T00:00:00Z'),
      },
      spec: { containers: [{ name: 'sandbox', image: 'sandbox:1' }] },
      status: { phase: 'Pending' },
    };
  }

  inPool(pool: string, revision = 'rev1'): this {
    this.pod.metadata!.labels![LABELS.poolName] = pool;
    this.pod.metadata!.labels![LABELS.poolRevision] = revision;
    return this;
  }

  label(key: string, value: string): this {
    this.pod.metadata!.labels![key] = value;
    return this;
  }

  annotation(key: string, value: string): this {
    this.pod.metadata!.annotations = { ...this.pod.metadata!.annotations, [key]: value };
    return this;
  }

  /** A controller owner reference, e.g. to the BatchSandbox of a non-pooled pod. */
  controlledBy(owner: { apiVersion: string; kind: string; metadata: { name: string; uid?: string } }): this {
    this.pod.metadata!.ownerReferences = [
      {
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        name: owner.metadata.name,
        uid: owner.metadata.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
    return this;
  }

  createdAt(iso: string): this {
    this.pod.metadata!.creationTimestamp = new Date(iso);
    return this;
  }

  onNode(node: string): this {
    this.pod.spec!.nodeName = node;
    return this;
  }

  /** Running, PodReady=True, with an IP (what kwok's pod-becomes-ready stage produces). */
  ready(ip = '10.244.0.10', readySince = '2026-01-01T00:00:10Z'): this {
    this.pod.spec!.nodeName ??= 'kwok-node-0';
    this.pod.status = {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(readySince) }],
    };
    return this;
  }

  phase(phase: string): this {
    this.pod.status = { ...this.pod.status, phase };
    return this;
  }

  waiting(reason: string): this {
    this.pod.status = {
      ...this.pod.status,
      containerStatuses: [{ name: 'sandbox', image: 'sandbox:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason } } }],
    };
    return this;
  }

  /** Adds or replaces one container's status (call after ready(), which resets the whole status). */
  container(name: string, state: { id?: string; running?: boolean; restarts?: number } = {}): this {
    const { id = `containerd://${name}-1`, running = true, restarts = 0 } = state;
    const others = (this.pod.status?.containerStatuses ?? []).filter((s) => s.name !== name);
    this.pod.status = {
      ...this.pod.status,
      containerStatuses: [
        ...others,
        {
          name,
          image: 'sandbox:1',
          imageID: '',
          containerID: id,
          ready: running,
          restartCount: restarts,
          state: running ? { running: { startedAt: new Date('2026-01-01T00:00:05Z') } } : { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    };
    return this;
  }

  resourceVersion(version: string): this {
    this.pod.metadata!.resourceVersion = version;
    return this;
  }

  terminating(at = '2026-01-01T00:01:00Z'): this {
    this.pod.metadata!.deletionTimestamp = new Date(at);
    return this;
  }

  build(): V1Pod {
    return structuredClone(this.pod);
  }

  /** The pod as a pool round observes it (activities/pool-views.ts), restart facts included. */
  digest(): PodDigest {
    return digestPod(this.build(), true);
  }
}

export const aPod = (name: string, namespace?: string): PodBuilder => new PodBuilder(name, namespace);
