// The real node's addresses. The kubelet refuses a loopback node IP, and pods cannot reach the host's
// loopback, so the node gets a TEST-NET-1 address (RFC 5737: never routed anywhere) on a port-less
// bridge of its own: the kubelet serves on it, the stack's registry listens on it, and pods reach it
// through their default route (the CNI bridge's gateway is the host). This kernel has no dummy links.
import { execFileSync } from 'node:child_process';

export const NODE_IP = '192.0.2.2';
/** The link carrying NODE_IP. */
export const NODE_LINK = 'osb-node0';
/** The CNI bridge plugin's bridge (it creates it on the first pod). */
export const POD_BRIDGE = 'osb-cni0';
export const POD_SUBNET = '10.244.77.0/24';

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function linkExists(name: string): boolean {
  try {
    ip(['link', 'show', name]);
    return true;
  } catch {
    return false;
  }
}

export function setUpNodeAddress(): void {
  if (linkExists(NODE_LINK)) ip(['link', 'del', NODE_LINK]);
  ip(['link', 'add', NODE_LINK, 'type', 'bridge']);
  ip(['addr', 'add', `${NODE_IP}/32`, 'dev', NODE_LINK]);
  ip(['link', 'set', NODE_LINK, 'up']);
}

/** Removes both links (missing ones are fine); returns what failed. */
export function tearDownNodeNetwork(): string[] {
  const failures: string[] = [];
  for (const link of [POD_BRIDGE, NODE_LINK]) {
    if (!linkExists(link)) continue;
    try {
      ip(['link', 'del', link]);
    } catch (err) {
      failures.push(`ip link del ${link}: ${(err as Error).message}`);
    }
  }
  return failures;
}
