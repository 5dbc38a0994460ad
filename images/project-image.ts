// An image the project builds from files, without a container engine: named layers of tar entries and
// the run settings of its config. Layers are built reproducibly (same inputs, same digest) and cached by
// the content of their inputs (layer-cache.ts).
import type { ContainerSettings } from '../oci/build-image.js';
import type { TarEntry } from '../oci/reproducible-tar.js';

export interface ProjectImageLayer {
  /** What the layer holds, for logs and the image history. */
  name: string;
  entries(): Promise<TarEntry[]>;
}

export interface ProjectImage {
  /** Repository path below a registry, e.g. `opensandbox-temporal-operator/image-committer`. */
  repository: string;
  tag: string;
  layers: ProjectImageLayer[];
  config: ContainerSettings;
}

/** The parent directories of `paths`, as directory entries, parents first, each once. */
export function parentDirectories(paths: readonly string[]): TarEntry[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    const parts = path.replace(/^\/+/, '').split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort().map((path) => ({ type: 'directory', path }));
}
