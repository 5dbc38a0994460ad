// Connection details of the local stack that test/global-setup.ts started for the integration project.
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import type { RealNode } from '../../stack/real-node/real-node.js';
import { ConnectionReusingKubeConfig } from '../../operator/kube-config.js';

export const STACK_INFO_ENV = 'OPENSANDBOX_TEST_STACK_INFO';

export interface TestStackInfo {
  /** Admin (system:masters) kubeconfig of the real kube-apiserver. */
  kubeconfigPath: string;
  apiServerUrl: string;
  /** The apiserver's audit log of writes to our API group (test/support/audited-writes.ts reads it). */
  auditLogPath: string;
  /** host:port of the Temporal dev server's gRPC frontend. */
  temporalAddress: string;
  temporalNamespace: string;
  /** Names of the kwok-managed fake nodes (pods bound to them become Running/Ready with an IP). */
  nodeNames: string[];
  /** The operator's --task-executor-url for the stack's simulated task-executors. */
  taskExecutorUrl: string;
  /** Scratch directory of the stack (process logs live under it). */
  dataDir: string;
  /** The real node (kubelet + containerd) and its registry, when it could start on this machine. */
  realNode?: RealNodeInfo;
  /** Why there is no real node. */
  realNodeUnavailable?: string;
}

/** The real node as the stack started it (stack/real-node/real-node.ts), without its stop(). */
export type RealNodeInfo = Omit<RealNode, 'stop'>;

export function testStackInfo(): TestStackInfo {
  const path = process.env[STACK_INFO_ENV];
  if (!path) throw new Error(`${STACK_INFO_ENV} is not set: integration tests need test/global-setup.ts`);
  return JSON.parse(readFileSync(path, 'utf8')) as TestStackInfo;
}

/**
 * The real node, or an error naming why there is none (not root, no overlayfs, a missing binary): tests
 * that need a real container runtime fail with it instead of passing without one.
 */
export function requireRealNode(): RealNodeInfo {
  const info = testStackInfo();
  if (!info.realNode) throw new Error(`this test needs the stack's real node, which did not start: ${info.realNodeUnavailable ?? 'unknown reason'}`);
  return info.realNode;
}

export function testKubeConfig(): KubeConfig {
  const kc = new ConnectionReusingKubeConfig();
  kc.loadFromFile(testStackInfo().kubeconfigPath);
  return kc;
}
