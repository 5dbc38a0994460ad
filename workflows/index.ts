// Every workflow the operator's worker runs; the bundle is built from this module.
export { clusterSelfCheck } from './cluster-self-check.js';
export { poolWorkflow } from './pool-workflow.js';
