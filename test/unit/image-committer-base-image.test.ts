// The base image a container's diff is appended to: the repository of the pod spec's image (what the
// kubelet asked for), the digest the node resolved - never containerd's first-pulled name.
import { describe, expect, it } from '@jest/globals';
import { baseImageOf } from '../../image-committer/pod-container.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('baseImageOf', () => {
  it('takes the repository from the user-specified image and the digest from the CRI imageRef', () => {
    const inspected = {
      status: { imageRef: `192.0.2.2:5000/first/name@${DIGEST}` },
      info: { runtimeSpec: { annotations: { 'io.kubernetes.cri.image-name': '192.0.2.2:5000/snapshots/sb-main:snap-gen3' } } },
    };
    expect(baseImageOf(inspected, 'main')).toBe(`192.0.2.2:5000/snapshots/sb-main@${DIGEST}`);
  });

  it('normalises a Docker Hub name', () => {
    const inspected = {
      status: { imageRef: `docker.io/library/busybox@${DIGEST}` },
      info: { runtimeSpec: { annotations: { 'io.kubernetes.cri.image-name': 'busybox:1.36' } } },
    };
    expect(baseImageOf(inspected, 'main')).toBe(`registry-1.docker.io/library/busybox@${DIGEST}`);
  });

  it('falls back to the imageRef repository without the annotation', () => {
    expect(baseImageOf({ status: { imageRef: `r.io/app@${DIGEST}` } }, 'main')).toBe(`r.io/app@${DIGEST}`);
  });

  it('refuses an image the node knows by no registry digest', () => {
    expect(() => baseImageOf({ status: { imageRef: DIGEST } }, 'main')).toThrow(/container main: .*not by a registry digest/);
  });
});
