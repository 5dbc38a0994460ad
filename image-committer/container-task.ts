// The container's task and snapshot in containerd (ctr): freeze and thaw (cgroup freezer), and the diff
// of its rootfs snapshot against its image, as an uncompressed tar. Uncompressed, because the container
// stays frozen until containerd has written the whole diff to its content store; compression happens
// after the thaw. ctr starts printing the diff only once it is complete, so the first byte on its
// output is the moment the container may run again.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { errorLines, NodeToolError, runNodeTool } from './node-tool.js';

export interface ContainerdEndpoint {
  ctr: string;
  socket: string;
  namespace: string;
}

const UNCOMPRESSED_LAYER = 'application/vnd.oci.image.layer.v1.tar';

function global(endpoint: ContainerdEndpoint): string[] {
  return ['--address', endpoint.socket, '--namespace', endpoint.namespace];
}

export async function freeze(endpoint: ContainerdEndpoint, id: string): Promise<void> {
  await runNodeTool(endpoint.ctr, [...global(endpoint), 'tasks', 'pause', id]);
}

export async function thaw(endpoint: ContainerdEndpoint, id: string): Promise<void> {
  await runNodeTool(endpoint.ctr, [...global(endpoint), 'tasks', 'resume', id]);
}

export interface SnapshotDiff {
  /** The diff as an uncompressed layer tar. */
  tar: Readable;
  /** Resolves when the diff is complete in containerd (ctr starts printing), rejects when ctr fails first. */
  computed: Promise<void>;
  /** Resolves when ctr exited 0 after printing everything. */
  done: Promise<void>;
  kill(): void;
}

export function snapshotDiff(endpoint: ContainerdEndpoint, snapshotter: string, key: string): SnapshotDiff {
  const child = spawn(endpoint.ctr, [...global(endpoint), 'snapshots', '--snapshotter', snapshotter, 'diff', '--media-type', UNCOMPRESSED_LAYER, key], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2_000);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new NodeToolError(`ctr snapshots diff ${key}: ${errorLines(stderr) || `exited ${code ?? signal}`}`));
    });
  });
  const tar = new PassThrough({ highWaterMark: 1024 * 1024 });
  const computed = new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    done.then(resolve, reject);
  });
  child.stdout.pipe(tar);
  return { tar, computed, done, kill: () => child.kill('SIGKILL') };
}
