// The operator as users run it: the compiled entry point as a child process, both roles, against
// the stack's kube-apiserver and Temporal. Ready, scrapeable, and a clean exit on SIGTERM; bad
// configuration is refused at start-up with a message naming the key.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { waitUntil } from '../../stack/wait-until.js';
import { buildIfStale, httpPortOf, killOperators, logLines, stackOperatorArgs, startOperator, waitForReady, withTimeout } from '../support/operator-process.js';
import { testStackInfo } from '../support/stack.js';

beforeAll(() => buildIfStale(), 180_000);

afterEach(() => killOperators());

describe('operator process', () => {
  it('becomes ready with both roles, serves metrics, and exits 0 on SIGTERM', async () => {
    const operator = startOperator(stackOperatorArgs(`operator-process-${randomUUID()}`));
    const port = await httpPortOf(operator);
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;

    expect((await fetch(url('/healthz'))).status).toBe(200);
    await waitForReady(operator, port);
    expect(await (await fetch(url('/readyz'))).json()).toEqual({ status: 'ready' });
    // The one structured "ready" line (logged by a poll, so it may trail /readyz a little).
    await waitUntil(async () => logLines(operator.stdout()).some((l) => l.msg === 'Operator ready'), {
      what: 'the "Operator ready" log line',
      timeoutMs: 5_000,
    });

    const metrics = await (await fetch(url('/metrics'))).text();
    for (const kind of ['BatchSandbox', 'Pool', 'SandboxSnapshot', 'Pod']) {
      expect(metrics).toContain(`opensandbox_operator_informer_synced{kind="${kind}"} 1`);
    }
    expect(metrics).toContain('# TYPE opensandbox_operator_informer_events_total counter');
    expect(metrics).toContain('# TYPE opensandbox_operator_informer_restarts_total counter');
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect(metrics).toContain('# TYPE opensandbox_pool_pods gauge');
    expect(metrics).toContain('# TYPE opensandbox_tasks gauge');

    operator.child.kill('SIGTERM');
    const exit = await withTimeout(operator.exited, 10_000, 'exit after SIGTERM');
    expect({ ...exit, stderr: operator.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(logLines(operator.stdout()).some((l) => l.msg === 'Operator stopped')).toBe(true);
  }, 120_000);

  const badConfigs: Array<{ args?: string[]; env?: Record<string, string>; names: string }> = [
    { args: ['--temporal-address', 'nope'], names: 'TEMPORAL_ADDRESS (--temporal-address): expected host:port, got "nope"' },
    { env: { LOG_LEVEL: 'loud' }, names: 'LOG_LEVEL (--log-level)' },
    { args: ['--roles', 'dance'], names: 'OPERATOR_ROLES (--roles)' },
    { args: ['--http-address', 'everywhere'], names: 'OPERATOR_HTTP_ADDRESS (--http-address)' },
    { args: ['--frobnicate'], names: 'unknown flag --frobnicate' },
  ];
  it.each(badConfigs)(
    'refuses to start: $names',
    async ({ args = [], env = {}, names }) => {
      const operator = startOperator(['--kubeconfig', testStackInfo().kubeconfigPath, ...args], env);
      // Generous: the process loads every module before it reads its configuration, and the machine may be busy.
      const exit = await withTimeout(operator.exited, 45_000, 'exit on bad configuration');
      expect(exit).toEqual({ code: 2, signal: null });
      expect(operator.stderr()).toContain(`invalid configuration: ${names}`);
      expect(operator.stderr()).not.toMatch(/^\s+at /m); // a message, not a stack trace
    },
    60_000,
  );
});
