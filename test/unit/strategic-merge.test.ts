// The strategic-merge-patch engine against the behaviour of apimachinery's StrategicMergePatch for Pods
// and TaskTemplateSpecs, including the upstream sample's shard task patches.
import { describe, expect, it } from '@jest/globals';
import { POD_PATCH_SCHEMA, StrategicMergeError, TASK_TEMPLATE_PATCH_SCHEMA, strategicMerge } from '../../planners/kube/strategic-merge.js';
import { loadUpstreamFixtures } from '../support/upstream-fixtures.js';

type Json = Record<string, unknown>;

const main = { name: 'main', image: 'app:1', command: ['sleep', '3600'], env: [{ name: 'A', value: '1' }] };
const podWith = (spec: Json, metadata: Json = {}): Json => ({ metadata, spec });
const env = (name: string, value: string) => ({ name, value });

describe('strategicMerge on Pods', () => {
  it.each<[string, Json, Json, Json]>([
    [
      'maps merge recursively',
      podWith({ containers: [main], nodeSelector: { disk: 'ssd' } }, { labels: { a: '1' } }),
      { metadata: { labels: { b: '2' } }, spec: { nodeSelector: { zone: 'z1' } } },
      podWith({ containers: [main], nodeSelector: { disk: 'ssd', zone: 'z1' } }, { labels: { a: '1', b: '2' } }),
    ],
    [
      'null deletes a key',
      podWith({ containers: [main], nodeSelector: { disk: 'ssd' }, hostname: 'h' }),
      { spec: { nodeSelector: { disk: null }, hostname: null } },
      podWith({ containers: [main], nodeSelector: {} }),
    ],
    [
      'containers merge by name; command is replaced, not merged',
      podWith({ containers: [main, { name: 'side', image: 'side:1' }] }),
      { spec: { containers: [{ name: 'main', image: 'app:2', command: ['python'] }] } },
      podWith({
        containers: [
          { ...main, image: 'app:2', command: ['python'] },
          { name: 'side', image: 'side:1' },
        ],
      }),
    ],
    [
      'a new container goes before the original-only ones (kubectl patch orders it so)',
      podWith({ containers: [main] }),
      { spec: { containers: [{ name: 'extra', image: 'redis' }] } },
      podWith({ containers: [{ name: 'extra', image: 'redis' }, main] }),
    ],
    [
      'patched items take the patch order; an original-only item precedes a later-original patched one',
      podWith({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }),
      {
        spec: {
          containers: [
            { name: 'c', image: 'c:2' },
            { name: 'a', image: 'a:2' },
          ],
        },
      },
      podWith({ containers: [{ name: 'b' }, { name: 'c', image: 'c:2' }, { name: 'a', image: 'a:2' }] }),
    ],
    [
      'env merges by name inside a container, a null value deletes a field of one item',
      podWith({ containers: [{ ...main, env: [env('A', '1'), env('B', '2')], resources: { limits: {} } }] }),
      { spec: { containers: [{ name: 'main', env: [env('B', '3'), env('C', '4')], resources: null }] } },
      podWith({ containers: [{ ...main, env: [env('A', '1'), env('B', '3'), env('C', '4')] }] }),
    ],
    [
      'initContainers, volumes, volumeMounts (by mountPath), ports (by containerPort), imagePullSecrets merge',
      podWith({
        initContainers: [{ name: 'init', image: 'init:1' }],
        containers: [{ name: 'main', volumeMounts: [{ name: 'v', mountPath: '/data' }], ports: [{ containerPort: 80, name: 'http' }] }],
        volumes: [{ name: 'v', emptyDir: {} }],
        imagePullSecrets: [{ name: 'pull' }],
      }),
      {
        spec: {
          initContainers: [{ name: 'init', image: 'init:2' }],
          containers: [{ name: 'main', volumeMounts: [{ name: 'w', mountPath: '/data' }], ports: [{ containerPort: 80, protocol: 'TCP' }] }],
          volumes: [{ name: 'v', emptyDir: { medium: 'Memory' } }],
          imagePullSecrets: [{ name: 'other' }],
        },
      },
      podWith({
        initContainers: [{ name: 'init', image: 'init:2' }],
        containers: [
          {
            name: 'main',
            volumeMounts: [{ name: 'w', mountPath: '/data' }],
            ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
          },
        ],
        volumes: [{ name: 'v', emptyDir: { medium: 'Memory' } }],
        imagePullSecrets: [{ name: 'other' }, { name: 'pull' }],
      }),
    ],
    [
      'tolerations have no patch strategy upstream: replaced whole',
      podWith({ containers: [main], tolerations: [{ key: 'a', operator: 'Exists' }] }),
      { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
      podWith({ containers: [main], tolerations: [{ key: 'b', operator: 'Exists' }] }),
    ],
    [
      'finalizers merge as a set',
      podWith({ containers: [main] }, { finalizers: ['x/a', 'x/b'] }),
      { metadata: { finalizers: ['x/b', 'x/c'] } },
      podWith({ containers: [main] }, { finalizers: ['x/a', 'x/b', 'x/c'] }),
    ],
    [
      '$patch: replace on a map replaces it',
      podWith({ containers: [main], nodeSelector: { disk: 'ssd', zone: 'z1' } }),
      { spec: { nodeSelector: { $patch: 'replace', gpu: 'yes' } } },
      podWith({ containers: [main], nodeSelector: { gpu: 'yes' } }),
    ],
    [
      '$patch: delete on a map empties it',
      podWith({ containers: [main], affinity: { nodeAffinity: {} } }),
      { spec: { affinity: { $patch: 'delete' } } },
      podWith({ containers: [main], affinity: {} }),
    ],
    [
      'a {$patch: replace} item makes the other items the whole list',
      podWith({ containers: [main, { name: 'side' }] }),
      { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'only:1' }] } },
      podWith({ containers: [{ name: 'only', image: 'only:1' }] }),
    ],
    [
      'a $patch: delete item removes the original item with its key',
      podWith({
        containers: [
          {
            ...main,
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
          { name: 'side' },
        ],
      }),
      {
        spec: {
          containers: [
            { name: 'side', $patch: 'delete' },
            { name: 'main', env: [{ name: 'A', $patch: 'delete' }] },
          ],
        },
      },
      podWith({ containers: [{ ...main, env: [{ name: 'B', value: '2' }] }] }),
    ],
    [
      'values new to the original drop their nulls',
      podWith({ containers: [main] }),
      { spec: { securityContext: { runAsUser: 1000, fsGroup: null } } },
      podWith({ containers: [main], securityContext: { runAsUser: 1000 } }),
    ],
  ])('%s', (_name, original, patch, expected) => {
    const before = structuredClone(original);
    const patchBefore = structuredClone(patch);
    expect(strategicMerge(original, patch, POD_PATCH_SCHEMA)).toEqual(expected);
    expect(original).toEqual(before);
    expect(patch).toEqual(patchBefore);
  });

  it.each<[string, Json, string]>([
    ['an unknown $patch value', { spec: { nodeSelector: { $patch: 'merge' } } }, 'spec.nodeSelector'],
    ['a keyed-list item without its key', { spec: { containers: [{ image: 'x' }] } }, 'spec.containers'],
    ['a scalar in a keyed list', { spec: { containers: ['main'] } }, 'spec.containers'],
    ['a string where a keyed list goes (issue 13)', { spec: { containers: 'not-a-list' } }, 'spec.containers'],
    ['an object where a keyed list goes', { spec: { containers: { name: 'main' } } }, 'spec.containers'],
    ['a delete item without its key', { spec: { containers: [{ $patch: 'delete' }] } }, 'spec.containers'],
    ['kubectl-only directives', { spec: { '$setElementOrder/containers': [{ name: 'main' }] } }, 'spec'],
    ['errors inside list items name the item', { spec: { containers: [{ name: 'main', env: [{ value: 'x' }] }] } }, 'spec.containers[name=main].env'],
  ])('refuses %s, naming where', (_name, patch, path) => {
    let error: unknown;
    try {
      strategicMerge(podWith({ containers: [main] }), patch, POD_PATCH_SCHEMA);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StrategicMergeError);
    expect((error as StrategicMergeError).path).toBe(path);
  });
});

describe('strategicMerge on TaskTemplateSpecs', () => {
  it('applies the upstream sample shard task patches: command/args replaced, env merged by name', () => {
    const sample = loadUpstreamFixtures('smp').find((f) => f.name.endsWith('samples/sandbox_v1alpha1_batchsandbox-with-task.yaml#0'))!.object as {
      spec: { taskTemplate: Json; shardTaskPatches: Json[] };
    };
    const [first, second] = sample.spec.shardTaskPatches.map((patch) => strategicMerge(sample.spec.taskTemplate, patch, TASK_TEMPLATE_PATCH_SCHEMA));
    expect(first).toEqual({
      spec: {
        process: { command: ['python'], args: ['-m', 'http.server', '8080'], env: [{ name: 'foo', value: 'bar' }] },
      },
    });
    expect(second).toEqual({
      spec: {
        process: {
          command: ['sleep'],
          args: [3600],
          env: [
            { name: 'hello', value: 'world' },
            { name: 'foo', value: 'bar' },
          ],
        },
      },
    });
  });

  it('keeps timeoutSeconds and working dir unless patched', () => {
    const template = { spec: { process: { command: ['sh'], workingDir: '/w' }, timeoutSeconds: 30 } };
    expect(strategicMerge(template, { spec: { process: { workingDir: '/x' } } }, TASK_TEMPLATE_PATCH_SCHEMA)).toEqual({
      spec: { process: { command: ['sh'], workingDir: '/x' }, timeoutSeconds: 30 },
    });
  });
});
