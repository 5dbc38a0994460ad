// The tasks on disk (spec §3.4): each task's record in `<dataDir>/<name>/task.json`, replaced atomically
// (written to a temporary file, flushed, renamed over), so a crash leaves the old record or the new one.
// Synchronous on purpose: a manager operation then runs to completion without interleaving (see
// task-manager.ts), and these are a few small files.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { storedTaskSchema, type StoredTask } from './task.js';
import { TASK_FILES, taskDir, taskFile } from './task-paths.js';

export interface UnreadableTask {
  dir: string;
  error: string;
}

export class TaskStore {
  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
  }

  /** A new task: a fresh directory (whatever an earlier task of that name left is removed) and its record. */
  create(task: StoredTask): void {
    const dir = taskDir(this.dataDir, task.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    this.update(task);
  }

  update(task: StoredTask): void {
    const path = taskFile(this.dataDir, task.name, 'task');
    const partial = `${path}.tmp`;
    const fd = openSync(partial, 'w', 0o644);
    try {
      writeSync(fd, JSON.stringify(task));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, path);
  }

  /** Forgets the task: its directory, logs included. */
  delete(name: string): void {
    rmSync(taskDir(this.dataDir, name), { recursive: true, force: true });
  }

  /** Every readable record, and the directories whose record is missing or invalid. */
  list(): { tasks: StoredTask[]; unreadable: UnreadableTask[] } {
    const tasks: StoredTask[] = [];
    const unreadable: UnreadableTask[] = [];
    for (const entry of readdirSync(this.dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(this.dataDir, entry.name);
      try {
        const parsed = storedTaskSchema.parse(JSON.parse(readFileSync(join(dir, TASK_FILES.task), 'utf8')));
        if (parsed.name !== entry.name) throw new Error(`the record names task ${JSON.stringify(parsed.name)}`);
        tasks.push(parsed);
      } catch (err) {
        unreadable.push({ dir, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return { tasks: tasks.sort((a, b) => a.name.localeCompare(b.name)), unreadable };
  }
}
