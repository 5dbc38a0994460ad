// spec.expireTime: the absolute time at which a BatchSandbox is deleted. The server writes Python
// isoformat (microseconds, "+00:00") and renews by patching the field, so the deadline always lives in the
// object: whoever reconciles it next (after a restart too) re-arms the timer from there.
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { parseDateTime } from '../../api/v1alpha1/formats.js';

/** Epoch milliseconds of spec.expireTime, or undefined when the sandbox never expires. */
export function expiresAt(sandbox: BatchSandbox): number | undefined {
  const expireTime = sandbox.spec.expireTime;
  return expireTime === undefined ? undefined : parseDateTime(expireTime);
}

export function expired(sandbox: BatchSandbox, now: Date): boolean {
  const at = expiresAt(sandbox);
  return at !== undefined && at <= now.getTime();
}

/** Milliseconds left before expiry (0 once expired), or undefined when the sandbox never expires. */
export function msUntilExpiry(sandbox: BatchSandbox, now: Date): number | undefined {
  const at = expiresAt(sandbox);
  return at === undefined ? undefined : Math.max(0, at - now.getTime());
}
