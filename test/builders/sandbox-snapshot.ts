// Test-object builder for SandboxSnapshots: aSandboxSnapshot('bs-pause').pauseOf(bs).phase('Succeed').build().
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import type { SandboxSnapshotPhase } from '../../api/v1alpha1/conditions.js';
import { API_VERSION, BATCH_SANDBOX } from '../../api/v1alpha1/group.js';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { ContainerSnapshot, SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { controllerReference } from '../../planners/kube/controller-reference.js';

export class SandboxSnapshotBuilder {
  private readonly snapshot: SandboxSnapshot;

  constructor(name: string, namespace = 'default') {
    this.snapshot = {
      apiVersion: API_VERSION,
      kind: 'SandboxSnapshot',
      metadata: { name, namespace, uid: `uid-${name}`, generation: 1, annotations: {} },
      spec: { sandboxName: 'bs' },
    };
  }

  sandboxName(name: string): this {
    this.snapshot.spec.sandboxName = name;
    return this;
  }

  /** An internal pause snapshot: controlled by `sandbox`, created for the pause of `generation`. */
  pauseOf(sandbox: BatchSandbox, generation = sandbox.metadata.generation ?? 1): this {
    this.snapshot.spec.sandboxName = sandbox.metadata.name;
    this.snapshot.metadata.ownerReferences = [{ ...controllerReference(BATCH_SANDBOX.kind, sandbox.metadata) }];
    this.snapshot.metadata.annotations![ANNOTATIONS.pauseGeneration] = String(generation);
    return this;
  }

  phase(phase: SandboxSnapshotPhase): this {
    this.snapshot.status = { ...this.snapshot.status, phase };
    return this;
  }

  containers(containers: ContainerSnapshot[]): this {
    this.snapshot.status = { ...this.snapshot.status, containers };
    return this;
  }

  /** phase Succeed with one image per container name. */
  succeeded(images: Record<string, string> = { sandbox: 'registry.local/bs-sandbox:snap-gen2' }): this {
    return this.phase('Succeed').containers(
      Object.entries(images).map(([containerName, imageUri]) => ({ containerName, imageUri, imageDigest: 'sha256:abc' })),
    );
  }

  build(): SandboxSnapshot {
    return structuredClone(this.snapshot);
  }
}

export const aSandboxSnapshot = (name: string, namespace?: string): SandboxSnapshotBuilder => new SandboxSnapshotBuilder(name, namespace);
