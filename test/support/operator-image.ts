// The operator's image (images/operator-image.ts, what `npm run image` builds) in the real node's
// registry, for the tests that run the operator as a cluster does.
import { readdirSync, readFileSync } from 'node:fs';
import { residentMb } from '../../bench/resident-memory.js';
import { pushBuiltImage } from '../../images/build-project-image.js';
import { buildOperatorImage, OPERATOR_HOME, OPERATOR_USER } from '../../images/operator-image.js';
import { RegistryClient } from '../../oci/registry-client.js';
import { DEFAULT_WORKFLOW_BUNDLE_PATH } from '../../config/operator-config.js';
import { realNodeTools, toolsCacheDir } from '../../stack/toolchain.js';
import { buildIfStale } from './operator-process.js';
import type { RealNodeInfo } from './stack.js';

export interface PushedOperatorImage {
  /** `host:port/repository@sha256:…` */
  reference: string;
  repository: string;
  digest: string;
  compressedBytes: number;
}

export async function pushOperatorImage(realNode: RealNodeInfo): Promise<PushedOperatorImage> {
  buildIfStale();
  const { image, built } = await buildOperatorImage({
    nodeRuntime: realNodeTools().nodeRuntime,
    workflowBundle: DEFAULT_WORKFLOW_BUNDLE_PATH,
    cacheDir: toolsCacheDir(),
  });
  const reference = await pushBuiltImage(built, new RegistryClient({ registry: realNode.registry, insecure: true }), image.repository, image.tag);
  return {
    reference,
    repository: image.repository,
    digest: built.manifestDigest,
    compressedBytes: built.layers.reduce((sum, layer) => sum + layer.size, 0),
  };
}

/**
 * The resident set (MB) of the operator process in the pod with this UID (the real node's pods are host
 * processes; the kubelet's cgroupfs driver puts each in a cgroup named pod<uid>), found by its command
 * line; it must run as the image's non-root user.
 */
export function operatorRssMb(podUid: string): number {
  const script = `/${OPERATOR_HOME}/main.js`;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let status: string;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(script)) continue;
      if (!readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`pod${podUid}`)) continue;
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue;
    }
    const uid = /^Uid:\s+(\d+)/m.exec(status)![1];
    if (uid !== OPERATOR_USER.split(':')[0]) throw new Error(`the operator runs as uid ${uid}`);
    return residentMb(Number(pid));
  }
  throw new Error(`no process of pod ${podUid} runs ${script}`);
}
