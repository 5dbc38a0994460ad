// Detaching a paused pooled sandbox: the solidified template (§8 case 40) and the detach patch.
import { describe, expect, it } from '@jest/globals';
import { ANNOTATIONS, FINALIZERS, LABELS } from '../../api/v1alpha1/contract.js';
import { poolDetachPatch, solidifiedTemplate } from '../../planners/pool/pool-detach.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPod } from '../builders/pod.js';

const POOL_TEMPLATE = { spec: { containers: [{ name: 'sandbox-container', image: 'task-executor:1' }] } };

function livePod() {
  const pod = aPod('pool-abcd-0')
    .inPool('pool')
    .label(LABELS.batchSandboxName, 'bs')
    .label('app', 'demo')
    .annotation(ANNOTATIONS.restartRecord, '{}')
    .annotation('note', 'x')
    .ready()
    .build();
  pod.spec = {
    nodeName: 'kwok-node-0',
    priority: 0,
    serviceAccount: 'default',
    serviceAccountName: 'default',
    containers: [
      {
        name: 'sandbox-container',
        image: 'task-executor:1',
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
        ],
      },
    ],
    volumes: [
      { name: 'data', emptyDir: {} },
      { name: 'kube-api-access-x7k2p', projected: { sources: [] } },
    ],
  };
  return pod;
}

describe('solidifiedTemplate', () => {
  it('uses the Pool template when the pod runs its revision, with the pod labels minus pool bookkeeping', () => {
    expect(solidifiedTemplate({ pod: livePod(), poolTemplate: POOL_TEMPLATE })).toEqual({
      metadata: { labels: { app: 'demo' }, annotations: { note: 'x' } },
      spec: { containers: [{ name: 'sandbox-container', image: 'task-executor:1' }] },
    });
  });

  it('otherwise copies the live pod spec without node binding and admission-injected parts (B13)', () => {
    const template = solidifiedTemplate({ pod: livePod() });
    expect(template.spec).toEqual({
      serviceAccountName: 'default',
      containers: [{ name: 'sandbox-container', image: 'task-executor:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', emptyDir: {} }],
    });
    expect(template.spec.containers[0]!.name).toBe('sandbox-container');
  });
});

describe('poolDetachPatch', () => {
  it('sets the template and clears poolRef in one guarded write, dropping allocation bookkeeping', () => {
    const bs = aBatchSandbox('bs')
      .poolRef('pool')
      .allocated(['pool-abcd-0'])
      .finalizers([FINALIZERS.taskCleanup, FINALIZERS.poolAllocation])
      .shardPatches([{}])
      .build();
    bs.metadata.resourceVersion = '42';
    expect(poolDetachPatch(bs, POOL_TEMPLATE)).toEqual({
      metadata: {
        resourceVersion: '42',
        finalizers: [FINALIZERS.taskCleanup],
        annotations: { [ANNOTATIONS.allocStatus]: null, [ANNOTATIONS.allocRelease]: null },
      },
      spec: { poolRef: '', template: POOL_TEMPLATE, shardPatches: null },
    });
  });
});
