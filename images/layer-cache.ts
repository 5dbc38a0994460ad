// Built layers, cached by the content of what goes into them (entry metadata, and the bytes of every
// file), in the toolchain cache outside the work tree: a stack start rebuilds only a layer whose inputs
// changed, e.g. the committer program after an edit.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { layerFromEntries, type LayerResult } from '../oci/gzip-layer.js';
import type { TarEntry } from '../oci/reproducible-tar.js';
import type { ProjectImageLayer } from './project-image.js';

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A key that changes exactly when the layer's bytes would. */
export async function layerKey(entries: readonly TarEntry[]): Promise<string> {
  const described = await Promise.all(
    entries.map(async (entry) => {
      if (entry.type !== 'file') return entry;
      const { path, mode, mtime } = entry;
      const bytes = 'source' in entry ? await fileDigest(entry.source) : createHash('sha256').update(entry.content).digest('hex');
      return { type: 'file', path, mode, mtime, bytes };
    }),
  );
  return createHash('sha256').update(JSON.stringify(described)).digest('hex');
}

export async function cachedLayer(layer: ProjectImageLayer, cacheDir: string): Promise<LayerResult> {
  const entries = await layer.entries();
  const key = await layerKey(entries);
  const dir = join(cacheDir, 'image-layers');
  const path = join(dir, `${key}.tar.gz`);
  const metaPath = join(dir, `${key}.json`);
  if (existsSync(metaPath) && existsSync(path)) return { path, ...(JSON.parse(readFileSync(metaPath, 'utf8')) as Omit<LayerResult, 'path'>) };
  mkdirSync(dir, { recursive: true });
  // Built under a temporary name and renamed: a crash never leaves a partial layer under the key.
  const partial = `${path}.${process.pid}.partial`;
  const { path: _partial, ...digests } = await layerFromEntries(entries, partial);
  renameSync(partial, path);
  writeFileSync(metaPath, JSON.stringify(digests));
  return { path, ...digests };
}
