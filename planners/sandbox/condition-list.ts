// Editing a stored condition list under the CRDs' rules (api/v1alpha1/conditions.ts): only "True"
// conditions are stored, so clearing a condition removes it, and lastTransitionTime moves only when the
// reason or message of a condition that stays True changes. Shared by the BatchSandbox and SandboxSnapshot
// lifecycle planners; the returned lists are new arrays, the input is never modified.
import { formatTime } from './batch-sandbox-status.js';

interface StoredCondition<T extends string> {
  type: T;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ConditionChange<T extends string> {
  type: T;
  reason: string;
  message: string;
}

/** `conditions` with `change` set to True (replacing any condition of its type), in `order`. */
export function withCondition<T extends string, C extends StoredCondition<T>>(
  conditions: readonly C[],
  change: ConditionChange<T>,
  now: Date,
  order: readonly T[],
): StoredCondition<T>[] {
  const old = conditions.find((c) => c.type === change.type && c.status === 'True');
  const unchanged = old !== undefined && old.reason === change.reason && old.message === change.message;
  const updated: StoredCondition<T> = {
    type: change.type,
    status: 'True',
    reason: change.reason,
    message: change.message,
    lastTransitionTime: unchanged && old.lastTransitionTime ? old.lastTransitionTime : formatTime(now),
  };
  const others = conditions.filter((c) => c.type !== change.type);
  return [...others, updated].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
}

/** `conditions` without the given types, and without any stored "False" (absent means False). */
export function withoutConditions<T extends string, C extends StoredCondition<T>>(conditions: readonly C[], types: readonly T[]): C[] {
  return conditions.filter((c) => c.status === 'True' && !types.includes(c.type));
}
