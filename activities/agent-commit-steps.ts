// The commit of a snapshot through the node's commit agent (ADR 0007; protocol api/commit-agent.ts):
// no Job, no pod start, no kubelet relist before the result is seen. One heartbeating activity: it finds
// the agent on the source node, records phase Committing, asks for the commit and waits for it. Each
// attempt has its own key (the snapshot's UID and the attempt number, kept in the heartbeat details), so a
// retried activity attaches to the commit it started instead of starting another.
import { Context } from '@temporalio/activity';
import { commitKey, type CommitRequest } from '../api/commit-agent.js';
import { EVENT_REASONS } from '../kernel/events.js';
import { commitAgentUrl } from '../planners/lifecycle/commit-agent-endpoint.js';
import { isTerminalSnapshot } from '../planners/lifecycle/snapshot-status.js';
import { commitAgentClient, CommitAgentRefusal, type CommitAgentClient } from './commit-agent-client.js';
import type { LifecycleContext } from './lifecycle-objects.js';
import type { AgentCommitActivities, AgentCommitOutcome, CommitJobState } from './lifecycle-activity-types.js';
import { snapshotRecords, terminalState } from './snapshot-steps.js';

/** Attempts of one commit, as the commit Job's backoffLimit gives it. */
const ATTEMPTS = 3;
/** One wait at the agent: short enough that a heartbeat (and so a cancellation) goes through in time. */
const WAIT_MS = 5_000;
const RETRY_DELAY_MS = 1_000;

export type ConnectCommitAgent = (baseUrl: string, token: string) => CommitAgentClient;

export function createAgentCommitActivities(ctx: LifecycleContext, connect: ConnectCommitAgent = commitAgentClient): AgentCommitActivities {
  const { objects, settings, log } = ctx;
  const { write, recordCommit } = snapshotRecords(ctx);

  return {
    async commitOnNodeAgent(ref, target) {
      const agent = settings.commitAgent;
      if (!agent) return { state: 'unavailable' };
      const url = commitAgentUrl(await objects.listPods(agent.namespace, agent.selector, `spec.nodeName=${target.nodeName}`), target.nodeName, agent.port);
      if (!url) return { state: 'unavailable' };
      const committing = await write(ref, [{ type: 'acknowledged' }, { type: 'planned', target }, { type: 'committing' }]);
      // Already recorded (a retry after the result was written): nothing is committed or announced twice.
      if (isTerminalSnapshot(committing)) return outcomeOf(terminalState(committing));

      const context = Context.current();
      const client = connect(url, agent.token);
      const request = (attempt: number): CommitRequest => ({
        key: commitKey(ref.uid, attempt),
        pod: target.podName,
        namespace: ref.namespace,
        targets: target.containers.map((c) => ({ container: c.containerName, imageUri: c.imageUri })),
        registryInsecure: settings.registryInsecure,
      });
      const logged = { kind: 'SandboxSnapshot', namespace: ref.namespace, name: ref.name, node: target.nodeName };

      // An agent that cannot be reached before any commit started (a NetworkPolicy, a node's network
      // trouble) leaves the commit to a Job; once one started, retries stay with the agent, so two
      // committers never push the same snapshot.
      if (context.info.heartbeatDetails === undefined) {
        const unreachable = await client.start(request(1), context.cancellationSignal).then(
          () => undefined,
          (err: unknown) => (isUnreachable(err) ? err : undefined),
        );
        if (unreachable) {
          log.warn({ ...logged, agent: url, err: unreachable }, 'The node agent does not answer; committing with a Job');
          return { state: 'unavailable' };
        }
      }
      let attempt = typeof context.info.heartbeatDetails === 'number' ? context.info.heartbeatDetails : 1;
      for (;;) {
        context.heartbeat(attempt);
        const waiting = () => context.heartbeat(attempt);
        const state = await client
          .untilEnded(request(attempt), { waitMs: WAIT_MS, signal: context.cancellationSignal, waiting })
          .catch(async (err: unknown) => {
            // A refusal (a wrong token, a request the agent cannot read) is the operator's configuration: no retry.
            if (err instanceof CommitAgentRefusal) return { key: request(attempt).key, state: 'failed', permanent: true, message: err.message } as const;
            if (!context.cancellationSignal.aborted) throw err;
            // The pause was cancelled or its sandbox deleted: the agent stops the commit and thaws.
            await client.stop(request(attempt).key).catch((stopErr: unknown) => log.warn({ ...logged, err: stopErr }, 'Cannot stop the commit at the agent'));
            throw context.cancellationSignal.reason;
          });
        if (state.state === 'succeeded') {
          log.info({ ...logged, attempt, containers: state.containers }, 'Committed by the node agent');
          const result = { containers: state.containers.map(({ name, image, digest }) => ({ name, image, digest })) };
          return outcomeOf(await recordCommit(ref, result, EVENT_REASONS.Committed, `Committed on node ${target.nodeName} by its commit agent`));
        }
        log.info({ ...logged, attempt, permanent: state.permanent, message: state.message }, 'Commit by the node agent failed');
        if (state.permanent || attempt >= ATTEMPTS) return { state: 'failed', reason: 'CommitFailed', message: state.message };
        attempt++;
        await context.sleep(RETRY_DELAY_MS * 2 ** (attempt - 2));
      }
    },
  };
}

/** A recorded commit (or a snapshot found terminal) as this activity answers. */
function outcomeOf(state: CommitJobState): AgentCommitOutcome {
  if (state.state === 'committed' || state.state === 'failed') return state;
  throw new Error(`a recorded commit cannot be ${state.state}`);
}

/** No answer at all: the connection failed or timed out (fetch's TypeError, AbortSignal.timeout's TimeoutError). */
function isUnreachable(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && err.name === 'TimeoutError');
}
