// The KubeConfig every Kubernetes client of the operator shares, from the configured source.
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeConfigSource } from './config.js';

export function buildKubeConfig(source: KubeConfigSource): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (source.kind === 'in-cluster') kubeConfig.loadFromCluster();
  else kubeConfig.loadFromFile(source.path);
  return kubeConfig;
}
