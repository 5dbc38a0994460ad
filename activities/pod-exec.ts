// Runs a command in a pod's container through the Kubernetes pods/exec API (a WebSocket to the
// apiserver, which proxies it to the kubelet), with a deadline: what the Restart recycle uses to make
// PID 1 exit.
import { Writable } from 'node:stream';
import type { Exec, V1Status } from '@kubernetes/client-node';

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** Stderr kept for the error message; enough for a shell's complaint, bounded for a noisy command. */
const STDERR_LIMIT = 512;

interface ExecSocket {
  close(): void;
  on(event: 'close' | 'error', listener: (err?: Error) => void): unknown;
}

/**
 * Resolves when the command exits successfully or the stream closes without a status (a command that
 * kills PID 1 takes its own exec session down with the container); rejects on a failure status, a
 * connection error or after `timeoutMs`.
 */
export async function execInContainer(exec: Pick<Exec, 'exec'>, target: ExecTarget, command: string[], timeoutMs: number): Promise<void> {
  let stderrText = '';
  // The apiserver refuses an exec that attaches no stream at all, so stderr is always attached.
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stderrText = (stderrText + chunk.toString('utf8')).slice(-STDERR_LIMIT);
      done();
    },
  });
  let socket: ExecSocket | undefined;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  const session = new Promise<void>((resolve, reject) => {
    const onStatus = (status: V1Status) => {
      if (status.status === 'Success') resolve();
      else reject(new Error(`${status.message ?? status.reason ?? 'exec failed'}${stderrText ? `: ${stderrText.trim()}` : ''}`));
    };
    // The socket's type comes from isomorphic-ws, whose types are not installed: only what is used here.
    exec.exec(target.namespace, target.pod, target.container, command, null, stderr, null, false, onStatus).then((ws: ExecSocket) => {
      socket = ws;
      if (finished) ws.close();
      ws.on('close', () => resolve());
      ws.on('error', reject);
    }, reject);
  });
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`exec did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([session, deadline]);
  } finally {
    // Never leave a session open past its deadline (or a socket that connects after it).
    finished = true;
    clearTimeout(timer);
    socket?.close();
  }
}
