// Where a task's files live (spec §3.4): `<dataDir>/<taskName>/` with task.json, pid, exit, stdout.log and
// stderr.log. A name that would leave the data directory (a separator, `..`, a NUL) is refused.
import { dirname, join, resolve } from 'node:path';

export const TASK_FILES = {
  task: 'task.json',
  pid: 'pid',
  exit: 'exit',
  stdout: 'stdout.log',
  stderr: 'stderr.log',
} as const;

export class InvalidTaskName extends Error {}

/** The task's directory: a direct child of `dataDir`. */
export function taskDir(dataDir: string, name: string): string {
  const root = resolve(dataDir);
  const dir = resolve(root, name);
  const unsafe = name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name);
  if (unsafe || dirname(dir) !== root) {
    throw new InvalidTaskName(`invalid task name ${JSON.stringify(name)}: it must name one directory under ${root}`);
  }
  return dir;
}

export function taskFile(dataDir: string, name: string, file: keyof typeof TASK_FILES): string {
  return join(taskDir(dataDir, name), TASK_FILES[file]);
}
