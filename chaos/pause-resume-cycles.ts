// Pause/resume cycles under chaos, as the OpenSandbox server drives them: a few non-pooled sandboxes, each
// paused (spec.pause: true) and resumed (false) in turn until the run's end. A pause must resolve within
// the bound: Paused, or rolled back (running again with PauseFailed); a resume must bring the sandbox
// back running. A sandbox whose pause or resume did neither is replaced by a new one.
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { BATCH_SANDBOX, GROUP, VERSION } from '../api/v1alpha1/group.js';
import { MERGE_PATCH } from '../kernel/kube-merge-patch.js';
import { createRetrying, deleteRetrying, writeRetrying } from './client-writes.js';
import type { SandboxObject, SandboxWatch } from './sandbox-watch.js';

export interface PauseResumeOptions {
  kc: KubeConfig;
  namespace: string;
  sandboxes: number;
  /** How long a pause or a resume may take before it counts as unresolved / failed. */
  boundMs: number;
  watch: SandboxWatch;
  ending: () => boolean;
  /** Told what a sandbox looked like when its pause or resume was given up on. */
  report: (message: string) => void;
}

export interface PauseResumeCounts {
  pause_resume_cycles: number;
  pauses_rolled_back: number;
  pauses_unresolved: number;
  resumes_failed: number;
  /** Sandboxes that never ran in the first place (counted apart: not a pause or resume). */
  sandboxes_not_started: number;
}

const crd = { group: GROUP, version: VERSION, plural: BATCH_SANDBOX.plural };

/** The operator has acted on spec.pause as of `generation` (or later), and the sandbox is in one of `phases`. */
const settledIn = (phases: readonly string[], generation: number) => (s: SandboxObject | undefined) =>
  s !== undefined &&
  (s.metadata.generation ?? 0) >= generation &&
  phases.includes(s.status?.phase ?? '') &&
  s.status?.pauseObservedGeneration === s.metadata.generation;
/** One line naming what the operator last wrote on the sandbox: enough to start looking in its logs and runs. */
export function describeSandbox(s: SandboxObject | undefined): string {
  if (s === undefined) return 'gone';
  const conditions = (s.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason ?? ''}${c.message ? ` (${c.message})` : ''}`);
  return [
    `generation ${s.metadata.generation ?? '?'}`,
    `pauseObservedGeneration ${s.status?.pauseObservedGeneration ?? 'none'}`,
    `phase ${s.status?.phase ?? 'none'}`,
    `ready ${s.status?.ready ?? 'none'}`,
    `conditions [${conditions.join(', ')}]`,
  ].join(', ');
}

const runningAt = (generation: number) => (s: SandboxObject | undefined) => settledIn(['Succeed'], generation)(s) && s!.status?.ready === 1;

export async function runPauseResumeCycles(opts: PauseResumeOptions): Promise<PauseResumeCounts> {
  const objects = opts.kc.makeApiClient(CustomObjectsApi);
  const counts: PauseResumeCounts = { pause_resume_cycles: 0, pauses_rolled_back: 0, pauses_unresolved: 0, resumes_failed: 0, sandboxes_not_started: 0 };
  const { namespace } = opts;
  /** Writes spec.pause; resolves with the generation that carries it (the cache may still show an older one). */
  const setPause = async (name: string, pause: boolean): Promise<number> => {
    let generation = 0;
    await writeRetrying(async () => {
      const patched = (await objects.patchNamespacedCustomObject({ ...crd, namespace, name, body: { spec: { pause } } }, MERGE_PATCH)) as SandboxObject;
      generation = patched.metadata.generation ?? 0;
    });
    return generation;
  };
  let serial = 0;

  const sandbox = async (): Promise<void> => {
    while (!opts.ending()) {
      const name = `pr-${serial++}`;
      await createRetrying(() =>
        objects.createNamespacedCustomObject({
          ...crd,
          namespace,
          body: {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: 'BatchSandbox',
            metadata: { name },
            spec: { replicas: 1, template: { spec: { containers: [{ name: 'sandbox', image: 'sandbox:chaos', command: ['sleep', 'infinity'] }] } } },
          },
        }),
      );
      // The first run has no pauseObservedGeneration yet: running is Succeed with its pod ready.
      const started = await opts.watch.waitFor(namespace, name, (s) => s?.status?.phase === 'Succeed' && s.status.ready === 1, opts.boundMs);
      if (!started) counts.sandboxes_not_started++;
      while (started && !opts.ending()) {
        const pausedAt = await setPause(name, true);
        if (!(await opts.watch.waitFor(namespace, name, settledIn(['Paused', 'Succeed'], pausedAt), opts.boundMs))) {
          counts.pauses_unresolved++;
          opts.report(`pause unresolved: ${namespace}/${name}: ${describeSandbox(opts.watch.get(namespace, name))}`);
          break;
        }
        const rolledBack = opts.watch.get(namespace, name)?.status?.phase === 'Succeed';
        if (rolledBack) counts.pauses_rolled_back++;
        // After a rollback too: spec.pause goes back to false before the next pause.
        const resumedAt = await setPause(name, false);
        if (!(await opts.watch.waitFor(namespace, name, runningAt(resumedAt), opts.boundMs))) {
          counts.resumes_failed++;
          opts.report(`resume failed: ${namespace}/${name}: ${describeSandbox(opts.watch.get(namespace, name))}`);
          break;
        }
        if (!rolledBack) counts.pause_resume_cycles++;
        await sleep(500);
      }
      await deleteRetrying(() => objects.deleteNamespacedCustomObject({ ...crd, namespace, name }));
    }
  };
  await Promise.all(Array.from({ length: opts.sandboxes }, () => sandbox()));
  return counts;
}
