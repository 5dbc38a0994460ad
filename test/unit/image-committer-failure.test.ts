// Which committer failures end the commit Job at once (exit 3, the Job's podFailurePolicy) and which
// keep the Job's retries (exit 1).
import { describe, expect, it } from '@jest/globals';
import { failureExitCode, PermanentCommitError } from '../../image-committer/commit-failure.js';
import { UsageError } from '../../image-committer/committer-request.js';
import { NodeToolError } from '../../image-committer/node-tool.js';
import { ContainerNotFound } from '../../image-committer/pod-container.js';
import { RegistryError } from '../../oci/registry-client.js';

const registryAnswer = (status: number | undefined) => new RegistryError(`push refused: ${status}`, 'PUT', '/v2/x/manifests/t', status);
const errno = (code: string) => Object.assign(new Error(`write failed: ${code}`), { code });

describe('failureExitCode', () => {
  it.each([
    ['a registry refusing the credentials (401)', registryAnswer(401)],
    ['a registry denying the repository (403)', registryAnswer(403)],
    ['a registry that does not know the base image (404)', registryAnswer(404)],
    ['a manifest the registry calls invalid (400)', registryAnswer(400)],
    ['a container that is not running on the node', new ContainerNotFound('container sandbox of pod ns/p is not running on this node')],
    ['bad arguments', new UsageError('usage: image-committer ...')],
    ['no containerd socket', new PermanentCommitError('no containerd socket at /run/containerd.sock')],
    ['a full disk while writing the layer', errno('ENOSPC')],
    ['a full disk reported by ctr', new NodeToolError('ctr snapshots diff: write /var/lib/containerd/x: no space left on device')],
  ])('exits 3 (permanent) for %s', (_what, err) => {
    expect(failureExitCode(err)).toBe(3);
  });

  it.each([
    ['a registry nobody answers on', registryAnswer(undefined)],
    ['a registry timing out (408)', registryAnswer(408)],
    ['a registry throttling (429)', registryAnswer(429)],
    ['a registry failing (503)', registryAnswer(503)],
    ['ctr failing for another reason', new NodeToolError('ctr tasks pause abc: context deadline exceeded')],
    ['a connection reset', errno('ECONNRESET')],
    ['something that is not an Error', 'boom'],
  ])('exits 1 (the Job retries) for %s', (_what, err) => {
    expect(failureExitCode(err)).toBe(1);
  });
});
