// The pure parts of the executor's process runtime (spec §3.4): the command line and the shim script, the
// task directory's name check, and reading /proc (environ, stat) to find the main container's process.
import { describe, expect, it } from '@jest/globals';
import { environmentOf, isZombie, parentPidOf, parseEnviron, pickMainProcess } from '../../task-executor/proc.js';
import { commandLine, shellQuote, shimScript } from '../../task-executor/shim.js';
import { InvalidTaskName, taskDir, taskFile } from '../../task-executor/task-paths.js';

describe('shellQuote and commandLine', () => {
  it('single-quotes every word, a quote inside as quote-backslash-quote-quote', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe(`''`);
    expect(commandLine(['sh', '-c'], ['echo "$HOME" $(id) `x`; exit 3'])).toBe(`'sh' '-c' 'echo "$HOME" $(id) \`x\`; exit 3'`);
    expect(commandLine(['env'])).toBe(`'env'`);
  });
});

describe('shimScript', () => {
  it('runs the command in the background, forwards TERM to it, writes its exit status to the exit file and exits with it', () => {
    const script = shimScript({ commandLine: `'sleep' '30'`, exitPath: "/data/t'1/exit" });
    expect(script).toContain('trap forward_term TERM');
    expect(script).toContain(`kill -TERM "$CHILD_PID"`);
    expect(script).toContain(`'sleep' '30' &\nCHILD_PID=$!\nwait "$CHILD_PID"\nEXIT_CODE=$?`);
    expect(script).toContain(`printf '%d' "$EXIT_CODE" > '/data/t'\\''1/exit'\nexit "$EXIT_CODE"`);
    expect(script).not.toContain('cd ');
  });

  it('with a working directory (sidecar mode) changes to it first, failing the task with exit 1 when it cannot', () => {
    const script = shimScript({ commandLine: `'pwd'`, exitPath: '/d/exit', workingDir: '/work dir' });
    expect(script.split('\n')[0]).toBe(`cd '/work dir' || { printf '%d' 1 > '/d/exit'; exit 1; }`);
  });
});

describe('taskDir', () => {
  it('is a direct child of the data directory', () => {
    expect(taskDir('/var/lib/sandbox/tasks', 'bs-0')).toBe('/var/lib/sandbox/tasks/bs-0');
    expect(taskFile('/var/lib/sandbox/tasks/', 'bs-0', 'exit')).toBe('/var/lib/sandbox/tasks/bs-0/exit');
    expect(taskFile('/d', 'bs-0', 'stdout')).toBe('/d/bs-0/stdout.log');
  });

  it.each(['', '.', '..', '../etc', 'a/b', '/etc', 'a\\b', 'a\0b'])('refuses %j', (name) => {
    expect(() => taskDir('/var/lib/sandbox/tasks', name)).toThrow(InvalidTaskName);
  });
});

describe('/proc parsing', () => {
  it('parseEnviron splits on NUL; environmentOf keeps the last of a repeated name and values with =', () => {
    const entries = parseEnviron(Buffer.from('PATH=/bin\0A=1\0B=x=y\0A=2\0\0'));
    expect(entries).toEqual(['PATH=/bin', 'A=1', 'B=x=y', 'A=2']);
    expect(environmentOf(entries)).toEqual({ PATH: '/bin', A: '2', B: 'x=y' });
  });

  it('parentPidOf reads the field after the command name, whatever the name holds', () => {
    expect(parentPidOf('1234 (sleep) S 77 1234 1 0 -1')).toBe(77);
    expect(parentPidOf('1234 (a) b (c) R 9 1234')).toBe(9);
    expect(parentPidOf('garbage')).toBeUndefined();
  });

  it('isZombie reads the state field: an ended process its parent has not collected', () => {
    expect(isZombie('1234 (sh) Z 1 1234 1 0')).toBe(true);
    expect(isZombie('1234 (Z) S 1 1234 1 0')).toBe(false);
    expect(isZombie('1234 (sleep) S 77 1234')).toBe(false);
  });

  it('pickMainProcess takes the lowest pid that is not the executor nor descends from it', () => {
    // 7 = main container's sleep; 30 = nsenter (child of executor 20); 31 = shim; 32 = the task.
    const parents = new Map([
      [7, 1],
      [20, 1],
      [30, 20],
      [31, 30],
      [32, 31],
    ]);
    expect(pickMainProcess([32, 31, 30, 7], parents, 20)).toBe(7);
    expect(pickMainProcess([32, 31, 30], parents, 20)).toBeUndefined();
    expect(pickMainProcess([9, 7], new Map(), 20)).toBe(7);
  });
});
