// The operator's side of the node agent's protocol (api/commit-agent.ts): start a commit, wait for it,
// stop it. Every answer is checked against the protocol's schema; an agent that does not answer, or
// answers 5xx, throws (the activity retries); a 4xx throws CommitAgentRefusal: the operator's mistake.
import { commitStateSchema, type CommitRequest, type CommitState } from '../api/commit-agent.js';

/** Beyond the wait asked for: the agent's own time to answer. */
const CALL_MARGIN_MS = 10_000;

/** Every call but `stop` also ends when `signal` aborts (the activity was cancelled). */
export interface CommitAgentClient {
  start(request: CommitRequest, signal?: AbortSignal): Promise<CommitState>;
  /** Where the commit stands once it ended or `waitMs` passed; undefined when the agent does not know the key. */
  wait(key: string, waitMs: number, signal?: AbortSignal): Promise<CommitState | undefined>;
  /**
   * Starts (or attaches to) the commit and waits for its end, `waitMs` at a time, calling `waiting` before
   * each wait; an agent that forgot the key (it restarted) is asked again.
   */
  untilEnded(request: CommitRequest, opts: { waitMs: number; signal?: AbortSignal; waiting?: () => void }): Promise<EndedCommit>;
  stop(key: string): Promise<void>;
}

export type EndedCommit = Exclude<CommitState, { state: 'running' }>;

/** The agent refused the request (4xx): a retry would be refused again. */
export class CommitAgentRefusal extends Error {}

export function commitAgentClient(baseUrl: string, token: string): CommitAgentClient {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  async function call(method: string, path: string, timeoutMs: number, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    });
    if (res.ok || res.status === 404) return res;
    const { message } = (await res.json().catch(() => ({}))) as { message?: string };
    const text = `commit agent ${baseUrl}: ${method} ${path}: HTTP ${res.status}${message ? `: ${message}` : ''}`;
    throw res.status < 500 ? new CommitAgentRefusal(text) : new Error(text);
  }

  const state = async (res: Response): Promise<CommitState> => commitStateSchema.parse(await res.json());

  const start = async (request: CommitRequest, signal?: AbortSignal): Promise<CommitState> =>
    state(await call('POST', '/v1/commits', CALL_MARGIN_MS, request, signal));
  const wait = async (key: string, waitMs: number, signal?: AbortSignal): Promise<CommitState | undefined> => {
    const res = await call('GET', `/v1/commits/${encodeURIComponent(key)}?waitMs=${waitMs}`, waitMs + CALL_MARGIN_MS, undefined, signal);
    return res.status === 404 ? undefined : state(res);
  };

  return {
    start,
    wait,
    async untilEnded(request, { waitMs, signal, waiting }) {
      let current = await start(request, signal);
      while (current.state === 'running') {
        waiting?.();
        current = (await wait(request.key, waitMs, signal)) ?? (await start(request, signal));
      }
      return current;
    },
    async stop(key) {
      await call('DELETE', `/v1/commits/${encodeURIComponent(key)}`, CALL_MARGIN_MS);
    },
  };
}
