// Connection details of the local stack that test/global-setup.ts started for the integration project.
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConnectionReusingKubeConfig } from '../../operator/kube-config.js';

export const STACK_INFO_ENV = 'OPENSANDBOX_TEST_STACK_INFO';

export interface TestStackInfo {
  /** Admin (system:masters) kubeconfig of the real kube-apiserver. */
  kubeconfigPath: string;
  apiServerUrl: string;
  /** host:port of the Temporal dev server's gRPC frontend. */
  temporalAddress: string;
  temporalNamespace: string;
  /** Names of the kwok-managed fake nodes (pods bound to them become Running/Ready with an IP). */
  nodeNames: string[];
  /** The operator's --task-executor-url for the stack's simulated task-executors. */
  taskExecutorUrl: string;
  /** Scratch directory of the stack (process logs live under it). */
  dataDir: string;
}

export function testStackInfo(): TestStackInfo {
  const path = process.env[STACK_INFO_ENV];
  if (!path) throw new Error(`${STACK_INFO_ENV} is not set: integration tests need test/global-setup.ts`);
  return JSON.parse(readFileSync(path, 'utf8')) as TestStackInfo;
}

export function testKubeConfig(): KubeConfig {
  const kc = new ConnectionReusingKubeConfig();
  kc.loadFromFile(testStackInfo().kubeconfigPath);
  return kc;
}
