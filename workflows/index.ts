// Every workflow the operator's worker runs; the bundle is built from this module.
export { poolWorkflow } from './pool-workflow.js';
export { pauseWorkflow } from './pause-workflow.js';
export { resumeWorkflow } from './resume-workflow.js';
export { snapshotWorkflow } from './snapshot-workflow.js';
export { tasksWorkflow } from './tasks-workflow.js';
