// API identity of the sandbox.opensandbox.io/v1alpha1 kinds. These strings are the wire contract with the
// OpenSandbox server and the upstream Go operator (spec/server-integration.md §6.1); crds/*.yaml must agree
// (checked by test/unit/crds.test.ts).

export const GROUP = 'sandbox.opensandbox.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Names a CRD registers for one kind; derived so the plural is the only irregular input. */
export interface ResourceNames<K extends string = string> {
  kind: K;
  listKind: `${K}List`;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  /** metadata.name of the CustomResourceDefinition. */
  crdName: string;
}

function resourceNames<K extends string>(kind: K, plural: string, shortNames: readonly string[]): ResourceNames<K> {
  return {
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    crdName: `${plural}.${GROUP}`,
  };
}

export const BATCH_SANDBOX = resourceNames('BatchSandbox', 'batchsandboxes', ['bsbx']);
export const POOL = resourceNames('Pool', 'pools', []);
export const SANDBOX_SNAPSHOT = resourceNames('SandboxSnapshot', 'sandboxsnapshots', ['sbxsnap']);

export const RESOURCES = [BATCH_SANDBOX, POOL, SANDBOX_SNAPSHOT] as const;
