// A task as the executor's HTTP API takes and returns it (spec §3.2: flat, the shape of upstream's
// pkg/task-executor types; the example README's nested spec/status is outdated), and as the executor keeps
// it: the same fields plus its inspected status and its deletion mark, persisted in task.json.
import { z } from 'zod';

export const envVarSchema = z.object({
  name: z.string(),
  value: z.string().optional(),
  // A Kubernetes EnvVarSource: kept and returned, never resolved (an executor has no API access; upstream
  // sets the variable to its empty `value` too).
  valueFrom: z.record(z.string(), z.unknown()).optional(),
});

export const processSpecSchema = z.object({
  command: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  args: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? undefined),
  env: z
    .array(envVarSchema)
    .nullish()
    .transform((v) => v ?? undefined),
  workingDir: z
    .string()
    .nullish()
    .transform((v) => v ?? undefined),
  timeoutSeconds: z
    .number()
    .int()
    .nullish()
    .transform((v) => v ?? undefined),
});
export type ProcessSpec = z.infer<typeof processSpecSchema>;

/** A task in a request body. Unknown fields are ignored, as Go's JSON decoder does. */
export const taskInputSchema = z.object({
  name: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  process: processSpecSchema.nullish().transform((v) => v ?? undefined),
  podTemplateSpec: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((v) => v ?? undefined),
});
export type TaskInput = z.infer<typeof taskInputSchema>;

/** `POST /setTasks`: the desired set; `null` is the empty set, as upstream decodes it. */
export const taskListInputSchema = z
  .array(taskInputSchema)
  .nullable()
  .transform((v) => v ?? []);

/**
 * The executor's view of a task (upstream's internal states). Timeout: running past timeoutSeconds, about to
 * be stopped. NotFound and Unknown come from runtimes this executor does not have and are never produced.
 */
export type TaskState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Timeout' | 'NotFound' | 'Unknown';

/** What the last inspection found; times are ISO 8601 (file modification times, milliseconds). */
export interface TaskStatus {
  state: TaskState;
  exitCode?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** A task the executor holds (memory and `<dataDir>/<name>/task.json`). */
export interface StoredTask {
  name: string;
  /** Set by a soft delete: the task is stopped, then forgotten. Never shown in responses (as upstream). */
  deletionTimestamp?: string;
  process?: ProcessSpec;
  podTemplateSpec?: Record<string, unknown>;
  status: TaskStatus;
}

export const storedTaskSchema = z.object({
  name: z.string().min(1),
  deletionTimestamp: z.string().optional(),
  process: processSpecSchema.optional(),
  podTemplateSpec: z.record(z.string(), z.unknown()).optional(),
  status: z.object({
    state: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Timeout', 'NotFound', 'Unknown']),
    exitCode: z.number().int().optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  }),
});

/** The process status of the API (spec §3.2); exactly one member. Times are RFC 3339 seconds, as metav1.Time. */
export type ProcessStatus =
  | { waiting: { reason?: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt: string } };

export interface ApiTask {
  name: string;
  process?: ProcessSpec;
  podTemplateSpec?: Record<string, unknown>;
  processStatus?: ProcessStatus;
}
