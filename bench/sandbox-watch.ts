// A watch on the BatchSandboxes (of a group) in one namespace that never misses one: a watch can end early
// (a dropped connection, a server-side timeout), so it picks up with a list and watches on from the
// list's version. Listed objects arrive as they are (then timed at the list, later).
import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { BATCH_SANDBOX, VERSION } from '../api/v1alpha1/group.js';

export interface SandboxWatch {
  stop(): void;
}

export async function watchSandboxes<T>(kc: KubeConfig, group: string, namespace: string, seen: (sandbox: T) => void): Promise<SandboxWatch> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const path = `/apis/${group}/${VERSION}/namespaces/${namespace}/${BATCH_SANDBOX.plural}`;
  let watch: AbortController | undefined;
  let stopped = false;
  const start = async (resourceVersion: string | undefined): Promise<void> => {
    watch = await new Watch(kc).watch(
      path,
      resourceVersion ? { resourceVersion } : {},
      (type: string, sandbox: T) => {
        if (type !== 'DELETED') seen(sandbox);
      },
      (err: unknown) => {
        if (stopped) return;
        process.stderr.write(`bench watch of ${group} ended (${err ? String(err) : 'closed'}): resuming with a list\n`);
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
    const list = (await objects.listNamespacedCustomObject({ group, version: VERSION, namespace, plural: BATCH_SANDBOX.plural })) as {
      metadata: { resourceVersion: string };
      items: T[];
    };
    list.items.forEach(seen);
    await start(list.metadata.resourceVersion);
  };
  await start(undefined);
  return {
    stop: () => {
      stopped = true;
      watch?.abort();
    },
  };
}
