// BatchSandbox tasks: the process the task-executor runs in each pod. Upstream stores taskTemplate and
// shardTaskPatches schemaless; the typed parts here are what the executor protocol requires, everything
// else is kept (loose objects).
import { z } from 'zod';

export const envVarSchema = z.looseObject({
  name: z.string(),
  value: z.string().optional(),
});
export type EnvVar = z.infer<typeof envVarSchema>;

export const processTaskSchema = z.looseObject({
  command: z.array(z.string()).min(1),
  args: z.array(z.string()).optional(),
  env: z.array(envVarSchema).optional(),
  workingDir: z.string().optional(),
});
export type ProcessTask = z.infer<typeof processTaskSchema>;

export const taskSpecSchema = z.looseObject({
  process: processTaskSchema.optional(),
  timeoutSeconds: z.number().int().min(0).optional(),
});
export type TaskSpec = z.infer<typeof taskSpecSchema>;

export const taskTemplateSchema = z.looseObject({
  spec: taskSpecSchema.optional(),
});
export type TaskTemplate = z.infer<typeof taskTemplateSchema>;
