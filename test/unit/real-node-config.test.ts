// What the real node's harness decides without touching the host: mount points to unmount (deepest
// first, only under the node's directory), the libraries the Node runtime layer carries, the layers'
// parent directories.
import { describe, expect, it } from '@jest/globals';
import { linkedLibraries } from '../../images/node-runtime-layer.js';
import { parentDirectories } from '../../images/project-image.js';
import { mountsUnder } from '../../stack/real-node/node-leftovers.js';

describe('mountsUnder', () => {
  const mountinfo = [
    '22 1 8:1 / / rw - ext4 /dev/vda rw',
    '300 22 0:50 / /tmp/stack/real-node/containerd/state/run/abc/rootfs rw - overlay overlay rw',
    '301 22 0:4 / /tmp/stack/real-node/containerd/state/netns/cni-1 rw - nsfs nsfs rw',
    '302 300 0:51 / /tmp/stack/real-node/containerd/state/run/abc/rootfs/proc rw - proc proc rw',
    '303 22 0:52 / /tmp/stack/real-node-other rw - tmpfs tmpfs rw',
    '304 22 0:53 / /tmp/stack/real-node/with\\040space rw - tmpfs tmpfs rw',
  ].join('\n');

  it('lists the mounts below the directory, longest path first (a mount before the one it is on), octal escapes decoded', () => {
    expect(mountsUnder('/tmp/stack/real-node', mountinfo)).toEqual([
      '/tmp/stack/real-node/containerd/state/run/abc/rootfs/proc',
      '/tmp/stack/real-node/containerd/state/run/abc/rootfs',
      '/tmp/stack/real-node/containerd/state/netns/cni-1',
      '/tmp/stack/real-node/with space',
    ]);
  });
});

describe('linkedLibraries', () => {
  it('reads the resolved paths from ldd, without the vDSO', () => {
    const ldd = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f1)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f3)',
    ].join('\n');
    expect(linkedLibraries(ldd)).toEqual(['/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });
});

describe('parentDirectories', () => {
  it('gives every parent once, parents first', () => {
    expect(parentDirectories(['/usr/local/bin/node', 'lib/x86_64-linux-gnu/libc.so.6', 'usr/local/bin/ctr']).map((e) => e.path)).toEqual([
      'lib',
      'lib/x86_64-linux-gnu',
      'usr',
      'usr/local',
      'usr/local/bin',
    ]);
  });
});
