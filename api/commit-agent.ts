// The commit agent's HTTP protocol: the image-committer resident on a node (a DaemonSet's pod) commits a
// sandbox's containers when the operator asks, without a Job and its pod start per pause (ADR 0007).
//   POST   /v1/commits          CommitRequest  -> 200 CommitState (the commit of that key: started now or before)
//   GET    /v1/commits/{key}?waitMs=N        -> 200 CommitState once it ended or N ms passed | 404 unknown key
//   DELETE /v1/commits/{key}                 -> 204 (a running commit is stopped; its container thawed)
//   GET    /healthz                          -> 200
// /v1 wants `Authorization: Bearer <the agent's token>` (401 otherwise). A key names one commit attempt
// of one SandboxSnapshot; asking again with the same key attaches to it, so a retried caller never
// commits twice.
import { z } from 'zod';

export const COMMIT_AGENT_PORT = 8474;
/** The label that marks the agent's pods (the chart's DaemonSet and the local stack's set it). */
export const COMMIT_AGENT_COMPONENT_LABEL = 'app.kubernetes.io/component';
export const COMMIT_AGENT_COMPONENT = 'commit-agent';
export const COMMIT_AGENT_SELECTOR = `${COMMIT_AGENT_COMPONENT_LABEL}=${COMMIT_AGENT_COMPONENT}`;
/** Longest wait one GET may ask for: below any proxy's idle timeout. */
export const MAX_WAIT_MS = 25_000;

export const commitKeySchema = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only');

export const commitRequestSchema = z.object({
  key: commitKeySchema,
  pod: z.string().min(1),
  namespace: z.string().min(1),
  targets: z.array(z.object({ container: z.string().min(1), imageUri: z.string().min(1) })).min(1),
  /** Push without TLS verification (the operator's --snapshot-registry-insecure). */
  registryInsecure: z.boolean().optional(),
});
export type CommitRequest = z.infer<typeof commitRequestSchema>;

/** One container's commit, as the agent reports it and the Job's termination message holds it. */
const committedContainerSchema = z.object({
  name: z.string(),
  image: z.string(),
  digest: z.string(),
  /** How long the container was frozen. */
  frozenMs: z.number(),
  /** From the freeze to the pushed manifest: the commit and push proper. */
  commitPushMs: z.number(),
  /** Bytes of the compressed diff layer. */
  layerBytes: z.number(),
});
export type CommittedContainer = z.infer<typeof committedContainerSchema>;

export const commitStateSchema = z.discriminatedUnion('state', [
  z.object({ key: z.string(), state: z.literal('running') }),
  z.object({ key: z.string(), state: z.literal('succeeded'), containers: z.array(committedContainerSchema) }),
  /** `permanent`: a retry cannot help (credentials refused, the container gone, the disk full). */
  z.object({ key: z.string(), state: z.literal('failed'), permanent: z.boolean(), message: z.string() }),
]);
export type CommitState = z.infer<typeof commitStateSchema>;

/** The key of one commit attempt of a snapshot: its UID names the object, not a namesake. */
export function commitKey(snapshotUid: string, attempt: number): string {
  return `${snapshotUid}.${attempt}`;
}
