// The project's image-committer run directly on the real node (as its commit Job's container does, minus
// the Job): against the node's containerd and CRI, a real pod, and real registries. Covers what the
// operator-level tests cannot steer: SIGTERM while the container is frozen, a container that is not
// running, a missing socket, an unreachable or refusing registry - each ends with exit 1, an `error:`
// termination message naming the cause, and the container running (never left frozen).
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { bundleCommitter } from '../../images/committer-image.js';
import { RegistryClient } from '../../oci/registry-client.js';
import { startOciRegistry, type RunningOciRegistry } from '../../stack/oci-registry.js';
import { NODE_IP } from '../../stack/real-node/node-network.js';
import { realNodeTools } from '../../stack/toolchain.js';
import { waitUntil } from '../../stack/wait-until.js';
import { execInPod, realNodeTemplate } from '../support/real-node-pods.js';
import { requireRealNode, testKubeConfig } from '../support/stack.js';

const execFileAsync = promisify(execFile);
const realNode = requireRealNode();
const tools = realNodeTools();
const core = testKubeConfig().makeApiClient(CoreV1Api);
const namespace = `committer-${Date.now().toString(36)}`;
const scratch = mkdtempSync(join(tmpdir(), 'committer-test-'));
const committer = join(scratch, 'image-committer.cjs');
let authRegistry: RunningOciRegistry;

interface CommitterRun {
  code: number | null;
  message: string;
  stdout: string;
}

function runCommitter(
  args: string[],
  env: Record<string, string> = {},
  onStart?: (child: ChildProcessByStdio<null, Readable, Readable>) => void,
): Promise<CommitterRun> {
  const termination = join(scratch, `termination-${Math.random().toString(36).slice(2)}`);
  const child = spawn(tools.nodeRuntime, [committer, ...args], {
    env: {
      CONTAINERD_SOCKET: realNode.containerdSocket,
      CTR: tools.ctr,
      CRICTL: tools.crictl,
      SNAPSHOT_REGISTRY_INSECURE: 'true',
      TERMINATION_LOG: termination,
      REGISTRY_CONFIG: join(scratch, 'no-config.json'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.resume();
  onStart?.(child);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      let message = '';
      try {
        message = readFileSync(termination, 'utf8');
      } catch {
        // No termination message written.
      }
      resolve({ code, message, stdout });
    });
  });
}

async function createPod(name: string, command: string, restartPolicy = 'Always'): Promise<V1Pod> {
  const template = realNodeTemplate(realNode, [{ name: 'main', command }]);
  await core.createNamespacedPod({ namespace, body: { metadata: { name }, spec: { ...template.spec, restartPolicy } } });
  let pod: V1Pod | undefined;
  await waitUntil(
    async () => {
      pod = await core.readNamespacedPod({ namespace, name });
      return restartPolicy === 'Always'
        ? (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false)
        : pod.status?.phase === 'Succeeded';
    },
    { what: `pod ${name} on the real node`, timeoutMs: 60_000, intervalMs: 200 },
  );
  return pod!;
}

/** The ID of the pod's container, as containerd knows it. */
async function containerIdOf(pod: string): Promise<string> {
  const { stdout } = await execFileAsync(tools.crictl, [
    '--runtime-endpoint',
    `unix://${realNode.containerdSocket}`,
    'ps',
    '-q',
    '--label',
    `io.kubernetes.pod.name=${pod}`,
    '--label',
    `io.kubernetes.pod.namespace=${namespace}`,
  ]);
  return stdout.trim();
}

/** The container's containerd task status: RUNNING, PAUSED, ... */
async function taskStatus(pod: string): Promise<string> {
  const id = await containerIdOf(pod);
  const { stdout } = await execFileAsync(tools.ctr, ['--address', realNode.containerdSocket, '--namespace', 'k8s.io', 'tasks', 'ls']);
  const line = stdout.split('\n').find((l) => l.startsWith(id));
  if (!line) throw new Error(`no task for pod ${pod} (container ${id})`);
  return line.trim().split(/\s+/)[2]!;
}

beforeAll(async () => {
  writeFileSync(committer, await bundleCommitter());
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  authRegistry = await startOciRegistry({
    binary: tools.registry,
    dataDir: join(scratch, 'auth-registry'),
    host: NODE_IP,
    auth: { username: 'opensandbox', password: 'right' },
    timeoutMs: 30_000,
  });
}, 120_000);

afterAll(async () => {
  await authRegistry?.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
});

describe('image-committer on the real node', () => {
  it('commits and pushes a running container, reporting digest, frozen time and layer size, and leaves it running', async () => {
    await createPod('ok', 'echo committed > /marker && sleep 3600');
    const target = `${realNode.registry}/committer-test/ok-main:snap-1`;
    const run = await runCommitter(['ok', namespace, `main:${target}`]);
    expect(run).toMatchObject({ code: 0 });
    const result = JSON.parse(run.message) as {
      containers: { name: string; image: string; digest: string; frozenMs: number; commitPushMs: number; layerBytes: number }[];
    };
    expect(result.containers).toEqual([
      {
        name: 'main',
        image: target,
        digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        frozenMs: expect.any(Number),
        commitPushMs: expect.any(Number),
        layerBytes: expect.any(Number),
      },
    ]);
    expect(run.stdout).toContain(`SNAPSHOT_DIGEST_MAIN=${result.containers[0]!.digest}`);
    const pulled = await new RegistryClient({ registry: realNode.registry, insecure: true }).getManifest('committer-test/ok-main', 'snap-1');
    expect(pulled.digest).toBe(result.containers[0]!.digest);
    expect(await taskStatus('ok')).toBe('RUNNING');
    expect(await execInPod(namespace, 'ok', 'main', 'cat /marker')).toBe('committed\n');
  });

  it('thaws the container when SIGTERM arrives while it is frozen (the Job or the sandbox deleted)', async () => {
    // 400 MB of diff keep the container frozen long enough to be seen frozen.
    await createPod('killed', 'head -c 419430400 /dev/zero > /big && sleep 3600');
    await waitUntil(async () => (await execInPod(namespace, 'killed', 'main', 'stat -c %s /big')).trim() === '419430400', {
      what: '/big written',
      timeoutMs: 60_000,
    });
    let signalled = false;
    const run = await runCommitter(['killed', namespace, `main:${realNode.registry}/committer-test/killed-main:snap-1`], {}, (child) => {
      // The committer logs (stderr) once its freeze returned; polling containerd from here could miss
      // the window on a loaded machine (CI once did).
      let log = '';
      child.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (signalled || !log.includes('Container frozen')) return;
        signalled = true;
        child.kill('SIGTERM');
      });
    });
    expect(signalled).toBe(true);
    expect(run.code).toBe(1);
    expect(run.message).toBe('error: interrupted by SIGTERM');
    expect(await taskStatus('killed')).toBe('RUNNING');
  });

  // Exit 1: the Job may retry (a registry can come back); exit 3: it cannot help (commit-failure.ts).
  it.each([
    ['an unreachable registry', (): string => `${NODE_IP}:5999/committer-test/x:snap-1`, {}, /cannot connect to 192\.0\.2\.2:5999/, 1],
    ['a registry refusing the credentials', (): string => `${authRegistry.address}/committer-test/x:snap-1`, { wrongCredentials: true }, /401/, 3],
  ] as const)('fails on %s with the reason and leaves the container running', async (_what, target, opts, reason, exitCode) => {
    const pod = `push-${Math.random().toString(36).slice(2, 8)}`;
    await createPod(pod, 'sleep 3600');
    const config = join(scratch, `${pod}-config.json`);
    const auth = Buffer.from(`opensandbox:${'wrongCredentials' in opts ? 'wrong' : 'right'}`).toString('base64');
    writeFileSync(config, JSON.stringify({ auths: { [authRegistry.address]: { auth } } }));
    const run = await runCommitter([pod, namespace, `main:${target()}`], { REGISTRY_CONFIG: config });
    expect(run.code).toBe(exitCode);
    expect(run.message).toMatch(/^error: /);
    expect(run.message).toMatch(reason);
    expect(await taskStatus(pod)).toBe('RUNNING');
  });

  it('fails for good (exit 3) naming the container when it is not running, and naming the socket when there is none', async () => {
    await createPod('exited', 'true', 'Never');
    const exited = await runCommitter(['exited', namespace, `main:${realNode.registry}/committer-test/exited:snap-1`]);
    expect(exited.code).toBe(3);
    expect(exited.message).toBe(`error: container main of pod ${namespace}/exited is not running on this node`);

    const noSocket = await runCommitter(['exited', namespace, `main:${realNode.registry}/committer-test/exited:snap-1`], {
      CONTAINERD_SOCKET: join(scratch, 'none.sock'),
    });
    expect(noSocket.code).toBe(3);
    expect(noSocket.message).toContain(`no containerd socket at ${join(scratch, 'none.sock')}`);
  });

  it('thaws a container a killed commit left frozen (unpause mode)', async () => {
    await createPod('frozen', 'sleep 3600');
    await execFileAsync(tools.ctr, ['--address', realNode.containerdSocket, '--namespace', 'k8s.io', 'tasks', 'pause', await containerIdOf('frozen')]);
    expect(await taskStatus('frozen')).toBe('PAUSED');
    const run = await runCommitter(['unpause', 'frozen', namespace, 'main']);
    expect(run.code).toBe(0);
    expect(await taskStatus('frozen')).toBe('RUNNING');
    // Again: a container that is not frozen is fine.
    const again = await runCommitter(['unpause', 'frozen', namespace, 'main']);
    expect(again).toMatchObject({ code: 0, message: '' });
  });
});
