// The set-up most pool integration files share: one namespace and the whole operator in-process for the
// file, created before its tests and removed after them. `operator` may be replaced (restart cases).
import { afterAll, beforeAll } from '@jest/globals';
import { startInProcessPoolOperator, type InProcessPoolOperator, type InProcessPoolOperatorOptions } from './in-process-pool-operator.js';
import { PoolNamespace } from './pool-namespace.js';
import { describePoolWorkflow } from './pool-workflow-diagnosis.js';

export interface PoolOperatorSuite {
  ns: PoolNamespace;
  operator: InProcessPoolOperator;
}

/** By default with the BatchSandbox controller, as the operator runs; a file may leave it out. */
export function poolOperatorSuite(namePrefix: string, options: InProcessPoolOperatorOptions = { batchSandboxController: true }): PoolOperatorSuite {
  const suite = { ns: new PoolNamespace(`${namePrefix}-${Date.now().toString(36)}`) } as PoolOperatorSuite;
  beforeAll(async () => {
    await suite.ns.create();
    suite.operator = await startInProcessPoolOperator(suite.ns.namespace, options);
    // Through `suite.operator`, which restart cases replace.
    suite.ns.diagnosePool = (pool) => describePoolWorkflow(suite.operator.client, suite.ns.namespace, pool);
  }, 120_000);
  afterAll(async () => {
    await suite.operator?.stop();
    await suite.ns.delete();
  }, 60_000);
  return suite;
}
