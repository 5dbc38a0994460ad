// The node agent's commits by key (api/commit-agent.ts): a request starts at most one commit per key, a
// repeated one attaches to it; a waiter is answered when it ends; a stop aborts it (its container is
// thawed by the commit's own cleanup). Ended commits are kept for a while so a caller that lost its
// connection still reads the outcome, then forgotten; a key forgotten is simply unknown (404), and the
// caller starts a new attempt.
import type { CommitRequest, CommitState, CommittedContainer } from '../api/commit-agent.js';
import { isPermanentCommitFailure } from './commit-failure.js';

/** Runs one commit; `signal` aborts it. */
export type RunCommit = (request: CommitRequest, signal: AbortSignal) => Promise<CommittedContainer[]>;

/** How long an ended commit's outcome stays readable, and how many are kept at most. */
const RETAIN_MS = 10 * 60_000;
const RETAIN_MAX = 1_000;
const STOP_WAIT_MS = 5_000;

interface Entry {
  state: CommitState;
  abort: AbortController;
  ended: Promise<void>;
  endedAt?: number;
}

export class CommitAgent {
  private readonly commits = new Map<string, Entry>();

  constructor(
    private readonly run: RunCommit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the commit of `request.key` unless it is known; returns where it stands. */
  start(request: CommitRequest): CommitState {
    this.forgetOld();
    const known = this.commits.get(request.key);
    if (known) return known.state;
    const abort = new AbortController();
    const entry: Entry = { state: { key: request.key, state: 'running' }, abort, ended: Promise.resolve() };
    entry.ended = this.run(request, abort.signal).then(
      (containers) => this.end(entry, { key: request.key, state: 'succeeded', containers }),
      (err: unknown) => this.end(entry, { key: request.key, state: 'failed', permanent: isPermanentCommitFailure(err), message: messageOf(err, abort.signal) }),
    );
    this.commits.set(request.key, entry);
    return entry.state;
  }

  /** Where the commit stands once it ended or `waitMs` passed; undefined for an unknown key. */
  async wait(key: string, waitMs: number): Promise<CommitState | undefined> {
    const entry = this.commits.get(key);
    if (!entry) return undefined;
    if (entry.state.state === 'running' && waitMs > 0) await settledWithin(entry.ended, waitMs);
    return entry.state;
  }

  /**
   * Stops the commit of `key` if it runs and forgets it. Waits for its cleanup (the thaw comes first) up
   * to STOP_WAIT_MS: a push stalled on its registry must not hold the caller; it writes no tag once stopped.
   */
  async stop(key: string): Promise<void> {
    const entry = this.commits.get(key);
    if (!entry) return;
    entry.abort.abort(new Error('commit stopped by its caller'));
    await settledWithin(entry.ended, STOP_WAIT_MS);
    this.commits.delete(key);
  }

  /** Commits still running. */
  running(): number {
    return [...this.commits.values()].filter((e) => e.state.state === 'running').length;
  }

  /** Stops every commit (the agent is shutting down). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.commits.keys()].map((key) => this.stop(key)));
  }

  private end(entry: Entry, state: CommitState): void {
    entry.state = state;
    entry.endedAt = this.now();
  }

  private forgetOld(): void {
    const now = this.now();
    const ended = [...this.commits].filter(([, e]) => e.endedAt !== undefined);
    ended.forEach(([key, e], i) => {
      if (now - e.endedAt! > RETAIN_MS || ended.length - i > RETAIN_MAX) this.commits.delete(key);
    });
  }
}

/** Resolves when `ended` does or after `ms`, whichever comes first. */
async function settledWithin(ended: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function messageOf(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'commit stopped by its caller';
  return err instanceof Error ? err.message : String(err);
}
