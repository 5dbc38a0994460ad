// The auto-assign profile in force: the "default" profile of ConfigMap pool-assign-profiles in the
// operator's own namespace (POD_NAMESPACE), else the built-in one. Watched, so an edit applies to the
// next assignment without a restart; like upstream, deleting the ConfigMap keeps the last profile.
import { CoreV1Api, makeInformer, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import type { Logger } from '../kernel/logger.js';
import { ASSIGN_PROFILES_CONFIGMAP, ASSIGN_PROFILES_KEY, assignProfileFromConfig } from '../planners/auto-assign/pool-assign-profile-config.js';
import { DEFAULT_ASSIGN_PROFILE } from '../planners/auto-assign/pool-assign-profile.js';
import type { AssignProfile } from '../planners/auto-assign/assign-plugins.js';
import { ResourceInformer } from './resource-informer.js';

export interface AssignProfileSourceOptions {
  kubeConfig: KubeConfig;
  /** Namespace of the ConfigMap. */
  namespace: string;
  log: Logger;
}

export class AssignProfileSource {
  private profile: AssignProfile = DEFAULT_ASSIGN_PROFILE;
  private readonly informer: ResourceInformer<V1ConfigMap>;

  constructor({ kubeConfig, namespace, log }: AssignProfileSourceOptions) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    // Every ConfigMap of the namespace (a list cannot select by name); the operator's namespace has few.
    this.informer = new ResourceInformer<V1ConfigMap>({
      kind: 'ConfigMap',
      listWatch: makeInformer(kubeConfig, `/api/v1/namespaces/${namespace}/configmaps`, () => core.listNamespacedConfigMap({ namespace })),
      log,
    });
    const load = (configMap: V1ConfigMap) => {
      if (configMap.metadata?.name !== ASSIGN_PROFILES_CONFIGMAP) return;
      const { profile, problem } = assignProfileFromConfig(configMap.data?.[ASSIGN_PROFILES_KEY]);
      const fields = { kind: 'ConfigMap', namespace, name: ASSIGN_PROFILES_CONFIGMAP };
      if (problem) log.warn({ ...fields, problem }, 'Auto-assign profile not usable, the built-in default applies');
      else log.info({ ...fields, predicates: profile.predicates.map((p) => p.name) }, 'Auto-assign profile loaded');
      this.profile = profile;
    };
    this.informer.on('add', load);
    this.informer.on('update', load);
  }

  current(): AssignProfile {
    return this.profile;
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }
}
