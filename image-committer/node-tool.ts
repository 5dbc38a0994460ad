// Runs the node tools the committer drives (crictl, ctr), with their stderr in the error: that text
// reaches the user through the Job's termination message and the sandbox's PauseFailed condition.
import { execFile } from 'node:child_process';

export class NodeToolError extends Error {}

/** Connection flags (and their values) say nothing about what failed: left out of messages. */
const CONNECTION_FLAGS = new Set(['--address', '--namespace', '--runtime-endpoint', '--timeout']);

/** `ctr tasks pause <id>` rather than the whole command line. */
export function describeCommand(binary: string, args: readonly string[]): string {
  const shown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (CONNECTION_FLAGS.has(args[i]!)) i++;
    else shown.push(args[i]!);
  }
  return [binary.split('/').pop(), ...shown].join(' ');
}

/** The tool's own error lines, without the log-format warnings containerd's clients print. */
export function errorLines(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line.trim() && !/level=(warning|info|debug)/.test(line))
    .slice(-3)
    .join(' ')
    .trim();
}

export function runNodeTool(binary: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      reject(new NodeToolError(`${describeCommand(binary, args)}: ${errorLines(stderr) || err.message}`));
    });
  });
}
