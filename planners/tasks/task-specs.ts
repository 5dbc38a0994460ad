// The tasks a BatchSandbox with a taskTemplate hands to its task-executors (spec §2.7, ADR 0005): one per
// replica, named `<bs>-<i>`. A shard with `shardTaskPatches[i]` gets the template with that patch
// strategic-merged in (command and args replaced, env merged by name); `timeoutSeconds` always comes
// from the base template, as upstream (a patched value is ignored).
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { StrategicMergeError, strategicMerge, TASK_TEMPLATE_PATCH_SCHEMA } from '../kube/strategic-merge.js';

type Json = Record<string, unknown>;

/** A task as the executor's API takes it (spec §3.2: flat, the process carries the timeout). */
export interface ExecutorTask {
  name: string;
  process: {
    command: string[];
    args?: string[];
    env?: { name: string; value?: string }[];
    workingDir?: string;
    timeoutSeconds?: number;
  };
}

export type TaskSpecsPlan =
  | { ok: true; tasks: ExecutorTask[] }
  /** A shard's patch or the template cannot make a task: reported on the sandbox, nothing dispatched. */
  | { ok: false; message: string };

export function taskName(sandbox: string, index: number): string {
  return `${sandbox}-${index}`;
}

export function planTaskSpecs(sandbox: BatchSandbox): TaskSpecsPlan {
  const template = sandbox.spec.taskTemplate;
  if (template === undefined) return { ok: true, tasks: [] };
  const timeoutSeconds = template.spec?.timeoutSeconds;
  const patches = sandbox.spec.shardTaskPatches ?? [];
  const tasks: ExecutorTask[] = [];
  for (let index = 0; index < sandbox.spec.replicas; index++) {
    const patch = patches[index];
    let spec: Json | undefined;
    try {
      const merged = patch === undefined ? template : strategicMerge(template as Json, patch as Json, TASK_TEMPLATE_PATCH_SCHEMA);
      spec = (merged as { spec?: Json }).spec;
    } catch (err) {
      if (!(err instanceof StrategicMergeError)) throw err;
      return { ok: false, message: `shardTaskPatches[${index}]: ${err.message}` };
    }
    const process = toProcess(spec?.process);
    if (process === undefined) {
      return { ok: false, message: `task ${taskName(sandbox.metadata.name, index)} has no process command` };
    }
    tasks.push({
      name: taskName(sandbox.metadata.name, index),
      process: { ...process, ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) },
    });
  }
  return { ok: true, tasks };
}

/** The process fields the executor reads; schemaless YAML may carry numbers where strings are meant. */
function toProcess(value: unknown): Omit<ExecutorTask['process'], 'timeoutSeconds'> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const process = value as { command?: unknown[]; args?: unknown[]; env?: { name?: unknown; value?: unknown }[]; workingDir?: unknown };
  const command = (process.command ?? []).map(String);
  if (command.length === 0) return undefined;
  return {
    command,
    ...(process.args === undefined ? {} : { args: process.args.map(String) }),
    ...(process.env === undefined
      ? {}
      : // eslint-disable-next-line @typescript-eslint/no-base-to-string -- numbers and booleans of schemaless YAML, as text
        { env: process.env.map((e) => ({ name: String(e.name), ...(e.value === undefined ? {} : { value: String(e.value) }) })) }),
    ...(typeof process.workingDir === 'string' ? { workingDir: process.workingDir } : {}),
  };
}
