// The set-up most pool integration files share: one namespace and the whole operator in-process for the
// file, created before its tests and removed after them. `operator` may be replaced (restart cases).
import { afterAll, beforeAll } from '@jest/globals';
import { startInProcessPoolOperator, type InProcessPoolOperator } from './in-process-pool-operator.js';
import { PoolNamespace } from './pool-namespace.js';

export interface PoolOperatorSuite {
  ns: PoolNamespace;
  operator: InProcessPoolOperator;
}

export function poolOperatorSuite(namePrefix: string): PoolOperatorSuite {
  const suite = { ns: new PoolNamespace(`${namePrefix}-${Date.now().toString(36)}`) } as PoolOperatorSuite;
  beforeAll(async () => {
    await suite.ns.create();
    suite.operator = await startInProcessPoolOperator(suite.ns.namespace, { batchSandboxController: true });
  }, 120_000);
  afterAll(async () => {
    await suite.operator?.stop();
    await suite.ns.delete();
  }, 60_000);
  return suite;
}
