// Content digests as registries name blobs and manifests: `sha256:<64 lowercase hex digits>`.
import { createHash } from 'node:crypto';

export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
