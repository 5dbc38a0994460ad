// The executor's tasks (spec §3.3): at most one active, a desired-state sync with soft deletes, a
// reconcile loop every 500 ms, and the recovery of persisted tasks at start. Every operation but a stop
// is synchronous (file I/O included), so it runs to completion on the event loop without another one
// interleaving: that is the lock upstream's mutex is. Stops take up to 10 s and run in the background,
// one per task at a time; the loop records their outcome once they are over.
import type { Logger } from 'pino';
import { refusalToCreate } from './admission.js';
import { reconcileStep } from './reconcile-step.js';
import { dropOnRecovery } from './recovery-decision.js';
import { planSync } from './sync-plan.js';
import { processStatusOf } from './task-status.js';
import type { ApiTask, StoredTask, TaskInput, TaskStatus } from './task.js';
import type { TaskStore } from './task-store.js';

/** What the manager needs of a runtime (process-runtime.ts; tests may pass another). */
export interface TaskRuntime {
  start(task: StoredTask): void;
  inspect(task: StoredTask): TaskStatus;
  stop(task: StoredTask): Promise<void>;
}

export class TaskRefused extends Error {}

export interface TaskManagerOptions {
  store: TaskStore;
  runtime: TaskRuntime;
  log: Logger;
  reconcileIntervalMs: number;
  now?: () => number;
}

export class TaskManager {
  private readonly tasks = new Map<string, StoredTask>();
  private readonly stopping = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: TaskManagerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Recovers the persisted tasks, then starts the reconcile loop. */
  start(): void {
    this.recover();
    this.timer = setInterval(() => this.reconcile(), this.opts.reconcileIntervalMs);
  }

  /** Stops the loop; stops in flight are left to finish (the tasks themselves keep running, as upstream). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** `POST /tasks`. */
  create(input: TaskInput): ApiTask {
    if (input.name === '') throw new TaskRefused('task name cannot be empty');
    return this.view(this.createTask(input));
  }

  /** `POST /setTasks`: returns every task held afterwards, and the errors of the creations that failed. */
  sync(desired: readonly TaskInput[]): { tasks: ApiTask[]; errors: string[] } {
    const plan = planSync([...this.tasks.values()], desired);
    const errors: string[] = [];
    for (const name of plan.softDelete) {
      try {
        this.softDelete(this.tasks.get(name)!);
      } catch (err) {
        errors.push(`failed to delete task ${name}: ${(err as Error).message}`);
      }
    }
    for (const input of plan.create) {
      try {
        this.createTask(input);
      } catch (err) {
        errors.push(`failed to create task ${input.name}: ${(err as Error).message}`);
      }
    }
    return { tasks: this.list(), errors };
  }

  list(): ApiTask[] {
    return [...this.tasks.values()].map((task) => this.view(task));
  }

  get(name: string): ApiTask | undefined {
    const task = this.tasks.get(name);
    return task && this.view(task);
  }

  /** `DELETE /tasks/{name}`: a soft delete; nothing for an unknown name. */
  delete(name: string): void {
    const task = this.tasks.get(name);
    if (task) this.softDelete(task);
  }

  /** One round of the loop: inspect every task, stop, forget and record as reconcileStep decides. */
  reconcile(): void {
    for (const task of [...this.tasks.values()]) {
      const fresh = this.inspect(task, 'Failed to inspect task');
      if (fresh === undefined) continue;
      const step = reconcileStep({ deleting: task.deletionTimestamp !== undefined, stopping: this.stopping.has(task.name), recorded: task.status, fresh });
      if (step.stop) this.stopInBackground(task, step.stop, fresh);
      if (step.forget) {
        try {
          this.opts.store.delete(task.name);
        } catch (err) {
          this.opts.log.error({ task: task.name, err }, 'Failed to delete task from store');
          continue;
        }
        this.tasks.delete(task.name);
        this.opts.log.info({ task: task.name, state: fresh.state }, 'Task deleted');
      } else if (step.record) {
        if (fresh.state !== task.status.state) this.opts.log.info({ task: task.name, from: task.status.state, to: fresh.state }, 'Task state changed');
        task.status = fresh;
        this.persist(task);
      }
    }
  }

  /** Stops in flight (tests wait for them). */
  async settled(): Promise<void> {
    await Promise.all(this.stopping.values());
  }

  private createTask(input: TaskInput): StoredTask {
    const refusal = refusalToCreate(this.tasks.values(), input.name);
    if (refusal !== undefined) throw new TaskRefused(refusal);
    const task: StoredTask = {
      name: input.name,
      ...(input.process ? { process: input.process } : {}),
      ...(input.podTemplateSpec ? { podTemplateSpec: input.podTemplateSpec } : {}),
      status: { state: 'Pending' },
    };
    try {
      this.opts.store.create(task);
    } catch (err) {
      throw new Error(`failed to persist task: ${(err as Error).message}`, { cause: err });
    }
    try {
      this.opts.runtime.start(task);
    } catch (err) {
      this.forgetQuietly(task.name);
      throw new Error(`failed to start task: ${(err as Error).message}`, { cause: err });
    }
    try {
      task.status = this.opts.runtime.inspect(task);
      this.persist(task);
    } catch (err) {
      this.opts.log.error({ task: task.name, err }, 'Failed to inspect task after start');
    }
    this.tasks.set(task.name, task);
    this.opts.log.info({ task: task.name, state: task.status.state }, 'Task created');
    return task;
  }

  private softDelete(task: StoredTask): void {
    if (task.deletionTimestamp !== undefined) return;
    const marked: StoredTask = { ...task, deletionTimestamp: new Date(this.now()).toISOString() };
    this.opts.store.update(marked);
    task.deletionTimestamp = marked.deletionTimestamp;
    this.opts.log.info({ task: task.name }, 'Task marked for deletion');
  }

  private stopInBackground(task: StoredTask, reason: string, fresh: TaskStatus): void {
    this.opts.log.info({ task: task.name, reason, state: fresh.state }, 'Stopping task');
    const stop = this.opts.runtime
      .stop(task)
      .catch((err: unknown) => this.opts.log.error({ task: task.name, err }, 'Failed to stop task'))
      .finally(() => this.stopping.delete(task.name));
    this.stopping.set(task.name, stop);
  }

  /** The task's state as its files show it, or undefined (logged with `failure`) when they cannot be read. */
  private inspect(task: StoredTask, failure: string): TaskStatus | undefined {
    try {
      return this.opts.runtime.inspect(task);
    } catch (err) {
      this.opts.log.error({ task: task.name, err }, failure);
      return undefined;
    }
  }

  private recover(): void {
    const { tasks, unreadable } = this.opts.store.list();
    for (const { dir, error } of unreadable) this.opts.log.warn({ dir, error }, 'Ignoring a task directory without a readable task.json');
    for (const task of tasks) {
      const fresh = this.inspect(task, 'Failed to inspect task during recovery');
      if (fresh === undefined) continue;
      const deleting = task.deletionTimestamp !== undefined;
      if (dropOnRecovery(task.status.state, deleting, fresh.state)) {
        this.forgetQuietly(task.name);
        this.opts.log.info({ task: task.name, persisted: task.status.state, found: fresh.state }, 'Dropped a task whose process was lost');
        continue;
      }
      task.status = fresh;
      this.tasks.set(task.name, task);
      this.opts.log.info({ task: task.name, state: fresh.state, deleting }, 'Recovered task');
    }
  }

  private persist(task: StoredTask): void {
    try {
      this.opts.store.update(task);
    } catch (err) {
      this.opts.log.error({ task: task.name, err }, 'Failed to persist task');
    }
  }

  private forgetQuietly(name: string): void {
    try {
      this.opts.store.delete(name);
    } catch (err) {
      this.opts.log.error({ task: name, err }, 'Failed to remove task from store');
    }
  }

  private view(task: StoredTask): ApiTask {
    return {
      name: task.name,
      ...(task.process ? { process: task.process } : {}),
      ...(task.podTemplateSpec ? { podTemplateSpec: task.podTemplateSpec } : {}),
      ...(task.process ? { processStatus: processStatusOf(task.status, this.now()) } : {}),
    };
  }
}
