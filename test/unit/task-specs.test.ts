// planTaskSpecs: one task per replica from taskTemplate, shard patches strategic-merged in, the base
// template's timeout for every task, and a clear refusal when a shard cannot make a task.
import { describe, expect, it } from '@jest/globals';
import { planTaskSpecs } from '../../planners/tasks/task-specs.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';

const base = { spec: { process: { command: ['sleep'], args: ['infinite'], env: [{ name: 'foo', value: 'bar' }] }, timeoutSeconds: 600 } };

describe('planTaskSpecs', () => {
  it('makes no task without a taskTemplate', () => {
    expect(planTaskSpecs(aBatchSandbox('bs').replicas(3).build())).toEqual({ ok: true, tasks: [] });
  });

  it('gives every replica the template, named <bs>-<i>, with the template timeout on the process', () => {
    const plan = planTaskSpecs(aBatchSandbox('bs').replicas(2).tasks(base).build());
    const process = { command: ['sleep'], args: ['infinite'], env: [{ name: 'foo', value: 'bar' }], timeoutSeconds: 600 };
    expect(plan).toEqual({
      ok: true,
      tasks: [
        { name: 'bs-0', process },
        { name: 'bs-1', process },
      ],
    });
  });

  it('merges each shard patch as upstream: command and args replaced, env merged by name, the base timeout kept', () => {
    const patches = [
      { spec: { process: { command: ['python'], args: ['-m', 'http.server', '8080'] } } },
      { spec: { process: { args: [3600], env: [{ name: 'hello', value: 'world' }] }, timeoutSeconds: 5 } },
    ];
    const plan = planTaskSpecs(aBatchSandbox('bs').replicas(3).tasks(base, patches).build());
    expect(plan.ok && plan.tasks.map((t) => t.process)).toEqual([
      { command: ['python'], args: ['-m', 'http.server', '8080'], env: [{ name: 'foo', value: 'bar' }], timeoutSeconds: 600 },
      {
        command: ['sleep'],
        args: ['3600'],
        env: [
          { name: 'hello', value: 'world' },
          { name: 'foo', value: 'bar' },
        ],
        timeoutSeconds: 600,
      },
      { command: ['sleep'], args: ['infinite'], env: [{ name: 'foo', value: 'bar' }], timeoutSeconds: 600 },
    ]);
  });

  it('refuses, naming the shard, a patch that cannot be applied or a task left without a command', () => {
    const unknown = planTaskSpecs(
      aBatchSandbox('bs')
        .replicas(1)
        .tasks(base, [{ spec: { $retainKeys: ['process'] } }])
        .build(),
    );
    expect(unknown).toMatchObject({ ok: false, message: expect.stringContaining('shardTaskPatches[0]') });
    const noCommand = planTaskSpecs(
      aBatchSandbox('bs')
        .replicas(2)
        .tasks(base, [{}, { spec: { process: { command: null } } }])
        .build(),
    );
    expect(noCommand).toEqual({ ok: false, message: 'task bs-1 has no process command' });
  });
});
