// Reading Kubernetes API errors as client-node 1.x+ throws them (ApiException with the Status body).
import { ApiException } from '@kubernetes/client-node';

/** True when `err` is an API answer with this HTTP status (404 NotFound, 409 Conflict/AlreadyExists...). */
export function isApiStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

/**
 * A refusal that repeating the same request will not change (invalid, forbidden, over quota): 4xx other
 * than 404 (gone), 409 (conflict) and 429 (throttled). Reported where it happens, not only retried.
 */
export function isPermanentApiError(err: unknown): boolean {
  return err instanceof ApiException && err.code >= 400 && err.code < 500 && ![404, 409, 429].includes(err.code);
}

/** What a read answers, or undefined when the object does not exist (404); any other error is thrown. */
export async function unlessNotFound<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (isApiStatus(err, 404)) return undefined;
    throw err;
  }
}

/** The apiserver's own message (the Status body's `message`), else the error's; for events and logs. */
export function apiErrorMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
    return typeof message === 'string' ? message : `HTTP ${err.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
