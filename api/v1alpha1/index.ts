// Public surface of the sandbox.opensandbox.io/v1alpha1 API: zod schemas (validation) and the TypeScript
// types inferred from them. crds/*.yaml are the apiserver-side twin of these schemas.
export * from './group.js';
export * from './formats.js';
export * from './object-meta.js';
export * from './conditions.js';
export * from './int-or-percent.js';
export * from './pod-template.js';
export * from './task-template.js';
export * from './batch-sandbox.js';
export * from './pool.js';
export * from './sandbox-snapshot.js';
export * from './contract.js';
