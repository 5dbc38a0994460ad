// Starts one real local stack for the whole integration project and publishes its endpoints to the
// test workers through a JSON file named by an environment variable.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStack } from '../stack/local-stack.js';
import type { TestStackInfo } from './support/stack.js';

// Jest loads global setup with Node's own ESM loader, outside the ts-jest module mapping, so the
// harness comes from the compiled tree (scripts/test runs `npm run build` first).
const COMPILED_STACK = new URL('../dist/stack/local-stack.js', import.meta.url);
// Same name as in test/support/stack.ts (not importable from here, see above).
const STACK_INFO_ENV = 'OPENSANDBOX_TEST_STACK_INFO';
const REAL_NODE_SWITCH_ENV = 'OPENSANDBOX_TEST_REAL_NODE';

declare global {
  var __OPENSANDBOX_STACK__: LocalStack | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (!existsSync(COMPILED_STACK)) throw new Error(`${COMPILED_STACK.pathname} is missing: run \`npm run build\` first`);
  const { startLocalStack } = (await import(COMPILED_STACK.href)) as typeof import('../stack/local-stack.js');
  // `off` leaves the machine's one real node to another run (the real-node tests then fail saying so).
  const realNodeOff = process.env[REAL_NODE_SWITCH_ENV] === 'off';
  const stack = await startLocalStack({ fakeNodes: 2, realNode: realNodeOff ? false : 'if-possible' });
  globalThis.__OPENSANDBOX_STACK__ = stack;
  const info: TestStackInfo = {
    kubeconfigPath: stack.kubeconfigPath,
    apiServerUrl: stack.apiServerUrl,
    auditLogPath: stack.auditLogPath,
    temporalAddress: stack.temporalAddress,
    temporalNamespace: stack.temporalNamespace,
    nodeNames: stack.nodeNames,
    taskExecutorUrl: stack.taskExecutorUrl,
    dataDir: stack.dataDir,
    // Everything but stop() (JSON leaves functions out).
    realNode: stack.realNode,
    realNodeUnavailable: realNodeOff ? `${REAL_NODE_SWITCH_ENV}=off` : stack.realNodeUnavailable,
  };
  const infoPath = join(stack.dataDir, 'stack-info.json');
  writeFileSync(infoPath, JSON.stringify(info, null, 2));
  process.env[STACK_INFO_ENV] = infoPath;
  process.stdout.write(
    `\nlocal stack ready in ${stack.timings.total} s ${JSON.stringify(stack.timings)} (data: ${stack.dataDir})\n` +
      (info.realNodeUnavailable ? `no real node: ${info.realNodeUnavailable}\n` : ''),
  );
}
