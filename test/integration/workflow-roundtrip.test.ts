// The production worker (pre-built bundle, real activities) against the stack's real Temporal and
// kube-apiserver: a client starts clusterSelfCheck, the worker runs it, visibility finds it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@temporalio/client';
import type { TemporalConfig } from '../../operator/config.js';
import { createLogger } from '../../operator/logger.js';
import { createTemporalClient } from '../../operator/temporal-client.js';
import { waitUntil } from '../../stack/wait-until.js';
import { bundleOperatorWorkflows } from '../../workers/bundle-workflows.js';
import { createOperatorWorker, type OperatorWorker } from '../../workers/operator-worker.js';
import { clusterSelfCheck, SELF_CHECK_SEARCH_ATTRIBUTES } from '../../workflows/cluster-self-check.js';
import { OPERATION_ATTRIBUTE } from '../../workflows/search-attributes.js';
import { testSnapshotSettings } from '../support/in-process-pool-operator.js';
import { testKubeConfig, testStackInfo } from '../support/stack.js';

describe('clusterSelfCheck through the production worker', () => {
  const bundleDir = mkdtempSync(join(tmpdir(), 'opensandbox-bundle-'));
  let temporal: TemporalConfig;
  let operatorWorker: OperatorWorker;
  let workerRun: Promise<void>;
  let client: Client;

  beforeAll(async () => {
    const stack = testStackInfo();
    const workflowBundlePath = join(bundleDir, 'workflow-bundle.js');
    await bundleOperatorWorkflows(workflowBundlePath);
    temporal = {
      address: stack.temporalAddress,
      namespace: stack.temporalNamespace,
      taskQueue: `roundtrip-${randomUUID()}`,
      tls: false,
    };
    operatorWorker = await createOperatorWorker({
      config: { temporal, workflowBundlePath, snapshot: testSnapshotSettings(), taskExecutorUrl: stack.taskExecutorUrl },
      kubeConfig: testKubeConfig(),
      log: createLogger('warn'),
    });
    workerRun = operatorWorker.run();
    client = await createTemporalClient(temporal);
  }, 120_000);

  afterAll(async () => {
    if (operatorWorker?.worker.getState() === 'RUNNING') operatorWorker.worker.shutdown();
    await workerRun;
    await client?.connection.close();
    rmSync(bundleDir, { recursive: true, force: true });
  }, 30_000);

  it('reports the established CRDs and the API server version, and is findable by operation', async () => {
    const workflowId = `self-check/${randomUUID()}`;
    const result = await client.workflow.execute(clusterSelfCheck, {
      taskQueue: temporal.taskQueue,
      workflowId,
      typedSearchAttributes: SELF_CHECK_SEARCH_ATTRIBUTES,
      workflowExecutionTimeout: '1 minute',
    });

    expect(result.kubernetesVersion).toMatch(/^v1\.36\.\d+/);
    expect(result.crds).toEqual(
      ['batchsandboxes', 'pools', 'sandboxsnapshots'].map((plural) => ({
        name: `${plural}.sandbox.opensandbox.io`,
        found: true,
        established: true,
        servedVersions: ['v1alpha1'],
      })),
    );
    expect(result.ok).toBe(true);

    const description = await client.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(OPERATION_ATTRIBUTE)).toBe('self-check');

    // Visibility lags behind execution: poll, with a deadline.
    const query = `OpenSandboxOperation = "self-check" AND WorkflowId = "${workflowId}"`;
    const found: string[] = [];
    await waitUntil(
      async () => {
        found.length = 0;
        for await (const execution of client.workflow.list({ query })) found.push(execution.workflowId);
        return found.length > 0;
      },
      { what: `visibility query ${query}`, timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(found).toEqual([workflowId]);
  }, 120_000);
});
