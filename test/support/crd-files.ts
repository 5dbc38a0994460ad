// The CRD manifests exactly as written (raw YAML keys such as x-kubernetes-validations), for tests that
// inspect them. Client-side model objects would rename or drop those keys.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const CRD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds');

/** CustomResourceDefinitions in `dir`, keyed by metadata.name. */
export function readCrdFiles<T = unknown>(dir = CRD_DIR): Map<string, T> {
  const crds = readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((doc) => doc.toJS()))
    .filter((doc) => doc?.kind === 'CustomResourceDefinition');
  return new Map(crds.map((crd) => [crd.metadata.name as string, crd as T]));
}
