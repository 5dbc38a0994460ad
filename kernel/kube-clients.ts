// The Kubernetes API clients of the operator process, built once from its kubeconfig by the composition
// root. Activities and controllers take these ports (or fakes), never a kubeconfig.
import { BatchV1Api, CoreV1Api, CustomObjectsApi, Exec, type KubeConfig } from '@kubernetes/client-node';

export interface KubeClients {
  core: CoreV1Api;
  customObjects: CustomObjectsApi;
  batch: BatchV1Api;
  /** pods/exec (a WebSocket per call). */
  exec: Pick<Exec, 'exec'>;
}

export function createKubeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    core: kubeConfig.makeApiClient(CoreV1Api),
    customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    exec: new Exec(kubeConfig),
  };
}
