// The operator image's start-up (images/operator-image.ts), without building it: Node with the flags and
// memory settings the benchmarks measured (kernel/process-memory.ts), then the bundled operator.
import { describe, expect, it } from '@jest/globals';
import { OPERATOR_HOME, operatorImage } from '../../images/operator-image.js';
import { NODE_IN_IMAGE } from '../../images/node-runtime-layer.js';

describe('operatorImage', () => {
  const image = operatorImage(
    { nodeRuntime: '/opt/node', workflowBundle: '/opt/workflow-bundle.js', caCertificates: '/opt/ca.crt' },
    { code: Buffer.from('export {};'), externalPackages: [] },
  );

  it('starts the bundle with --optimize-for-size on the command line, where NODE_OPTIONS may not carry it', () => {
    expect(image.config.entrypoint).toEqual([NODE_IN_IMAGE, '--optimize-for-size', `/${OPERATOR_HOME}/main.js`]);
  });

  it('sets the memory environment: two malloc arenas and small young generations', () => {
    expect(image.config.env).toEqual(expect.arrayContaining(['MALLOC_ARENA_MAX=2', 'NODE_OPTIONS=--max-semi-space-size=4']));
  });
});
