// A watch on the BatchSandboxes (the operator's, or the floor's copy) in one namespace that never misses one: a watch can end early
// (a dropped connection, a server-side timeout), so it starts, and picks up, with a list and watches on
// from the list's version. Listed objects arrive as they are (then timed at the list, later).
import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { BATCH_SANDBOX, GROUP, VERSION } from '../api/v1alpha1/group.js';

/** Where a kind of sandbox object is served. */
export interface SandboxResource {
  group: string;
  kind: string;
  plural: string;
}

export const OPERATOR_SANDBOXES: SandboxResource = { group: GROUP, kind: BATCH_SANDBOX.kind, plural: BATCH_SANDBOX.plural };

export interface SandboxWatch {
  stop(): void;
}

export async function watchSandboxes<T>(
  kc: KubeConfig,
  { group, plural }: SandboxResource,
  namespace: string,
  seen: (sandbox: T) => void,
): Promise<SandboxWatch> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const path = `/apis/${group}/${VERSION}/namespaces/${namespace}/${plural}`;
  let watch: AbortController | undefined;
  let stopped = false;
  const start = async (resourceVersion: string): Promise<void> => {
    watch = await new Watch(kc).watch(
      path,
      { resourceVersion },
      (type: string, sandbox: T) => {
        if (type !== 'DELETED') seen(sandbox);
      },
      (err: unknown) => {
        if (stopped) return;
        process.stderr.write(
          `bench watch of ${group} ended (${err instanceof Error ? err.message : err ? JSON.stringify(err) : 'closed'}): resuming with a list\n`,
        );
        void resume();
      },
    );
  };
  const resume = async (): Promise<void> => {
    try {
      await relist();
    } catch (err) {
      if (stopped) return;
      process.stderr.write(`bench list of ${group} failed (${String(err)}): trying again\n`);
      setTimeout(() => void resume(), 500);
    }
  };
  const relist = async (): Promise<void> => {
    const list = (await objects.listNamespacedCustomObject({ group, version: VERSION, namespace, plural })) as {
      metadata: { resourceVersion: string };
      items: T[];
    };
    list.items.forEach(seen);
    await start(list.metadata.resourceVersion);
  };
  // List, then watch from the list's version: an object created just after this resolves is never missed.
  await relist();
  return {
    stop: () => {
      stopped = true;
      watch?.abort();
    },
  };
}
