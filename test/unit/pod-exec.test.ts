import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { Exec, KubeConfig } from '@kubernetes/client-node';
import { execInContainer } from '../../activities/pod-exec.js';

const STATUS_STREAM = 3;
const STDERR_STREAM = 2;
const TARGET = { namespace: 'ns', pod: 'p-1', container: 'sandbox' };

/** A socket that records whether it was closed; `emit('close')` plays the server hanging up. */
class FakeSocket extends EventEmitter {
  closed = false;
  close(): void {
    this.closed = true;
  }
}

type WebSocketInterface = NonNullable<ConstructorParameters<typeof Exec>[1]>;
type Server = (send: (stream: number, text: string) => void, socket: FakeSocket) => void;

/** An Exec whose connection plays `server` (or fails to connect with `connectError`). */
function fakeExec(server: Server, connectError?: Error): { exec: Exec; socket: FakeSocket; paths: string[] } {
  const socket = new FakeSocket();
  const paths: string[] = [];
  const ws: WebSocketInterface = {
    connect: async (path, _text, binary) => {
      paths.push(path);
      if (connectError) throw connectError;
      setImmediate(() => server((stream, text) => binary?.(stream, Buffer.from(text)), socket));
      return socket as never;
    },
  };
  return { exec: new Exec(new KubeConfig(), ws), socket, paths };
}

describe('execInContainer', () => {
  it('runs the command in the container and resolves on a Success status', async () => {
    const { exec, paths, socket } = fakeExec((send) => send(STATUS_STREAM, JSON.stringify({ status: 'Success' })));
    await expect(execInContainer(exec, TARGET, ['kill', '1'], 1_000)).resolves.toBeUndefined();
    expect(paths[0]).toMatch(/^\/api\/v1\/namespaces\/ns\/pods\/p-1\/exec\?/);
    expect(paths[0]).toContain('container=sandbox');
    expect(paths[0]).toContain('command=kill&command=1');
    // The apiserver refuses an exec without any stream.
    expect(paths[0]).toContain('stderr=true');
    expect(socket.closed).toBe(true);
  });

  it('rejects on a failure status, with the command stderr', async () => {
    const { exec } = fakeExec((send) => {
      send(STDERR_STREAM, 'kill: permission denied\n');
      send(STATUS_STREAM, JSON.stringify({ status: 'Failure', message: 'command terminated with non-zero exit code' }));
    });
    await expect(execInContainer(exec, TARGET, ['kill', '1'], 1_000)).rejects.toThrow('command terminated with non-zero exit code: kill: permission denied');
  });

  it('resolves when the session closes without a status (PID 1 took the session down with it)', async () => {
    const { exec } = fakeExec((_send, socket) => socket.emit('close'));
    await expect(execInContainer(exec, TARGET, ['kill', '1'], 1_000)).resolves.toBeUndefined();
  });

  it('rejects when the apiserver cannot connect to the kubelet', async () => {
    const { exec } = fakeExec(() => undefined, new Error('unable to upgrade connection'));
    await expect(execInContainer(exec, TARGET, ['kill', '1'], 1_000)).rejects.toThrow('unable to upgrade connection');
  });

  it('gives up after the timeout and closes the session', async () => {
    const { exec, socket } = fakeExec(() => undefined);
    await expect(execInContainer(exec, TARGET, ['kill', '1'], 50)).rejects.toThrow('exec did not finish within 50 ms');
    expect(socket.closed).toBe(true);
  });
});
