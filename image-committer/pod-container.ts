// Finding a pod's container on this node over the CRI (crictl), as the kubelet labels it, and what the
// commit needs of it: its id (= its containerd snapshot key), and its base image by digest. The base
// repository comes from the image the pod spec asked for (containerd's annotation of the user-specified
// image), never from containerd's image name: containerd names an image by the first name it was ever
// pulled under, which may be another repository.
import { parseImageReference } from '../oci/image-reference.js';
import { runNodeTool } from './node-tool.js';

export interface PodContainer {
  id: string;
  name: string;
  /** `repo@sha256:...` of the image the container runs, in the repository of the pod spec's image. */
  baseImage: string;
  snapshotter: string;
  snapshotKey: string;
}

export class ContainerNotFound extends Error {}

export interface CriEndpoint {
  crictl: string;
  socket: string;
}

interface CrictlPs {
  containers?: { id: string; metadata?: { name?: string }; state?: string }[];
}

interface CrictlInspect {
  status?: { imageRef?: string; image?: { image?: string; userSpecifiedImage?: string }; state?: string };
  info?: { snapshotKey?: string; snapshotter?: string; runtimeSpec?: { annotations?: Record<string, string> } };
}

const USER_SPECIFIED_IMAGE_ANNOTATION = 'io.kubernetes.cri.image-name';

export async function findPodContainer(cri: CriEndpoint, pod: string, namespace: string, container: string): Promise<PodContainer> {
  const endpoint = ['--runtime-endpoint', `unix://${cri.socket}`, '--timeout', '10s'];
  const listed = JSON.parse(
    await runNodeTool(cri.crictl, [
      ...endpoint,
      'ps',
      '--output',
      'json',
      '--label',
      `io.kubernetes.pod.name=${pod}`,
      '--label',
      `io.kubernetes.pod.namespace=${namespace}`,
      '--name',
      `^${escapeRegExp(container)}$`,
    ]),
  ) as CrictlPs;
  // `ps` lists running containers only: an exited one cannot be committed consistently.
  const found = (listed.containers ?? []).find((c) => c.metadata?.name === container);
  if (!found) throw new ContainerNotFound(`container ${container} of pod ${namespace}/${pod} is not running on this node`);
  const inspected = JSON.parse(await runNodeTool(cri.crictl, [...endpoint, 'inspect', '--output', 'json', found.id])) as CrictlInspect;
  return {
    id: found.id,
    name: container,
    baseImage: baseImageOf(inspected, container),
    snapshotter: inspected.info?.snapshotter || 'overlayfs',
    snapshotKey: inspected.info?.snapshotKey || found.id,
  };
}

/** `repo@digest`: the pod spec's repository, the digest the node resolved (CRI imageRef). */
export function baseImageOf(inspected: CrictlInspect, container: string): string {
  const imageRef = inspected.status?.imageRef ?? '';
  const at = imageRef.indexOf('@sha256:');
  if (at < 0) throw new Error(`container ${container}: the node knows its image only as ${imageRef || 'nothing'}, not by a registry digest`);
  const digest = imageRef.slice(at + 1);
  const specified =
    inspected.info?.runtimeSpec?.annotations?.[USER_SPECIFIED_IMAGE_ANNOTATION] || inspected.status?.image?.userSpecifiedImage || imageRef.slice(0, at);
  const ref = parseImageReference(specified);
  return `${ref.registry}/${ref.repository}@${digest}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
