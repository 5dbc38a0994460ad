// The KubeConfig every Kubernetes client of the operator shares, from the configured source.
import { createHash } from 'node:crypto';
import type { RequestOptions } from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import type { KubeConfigSource } from '../config/operator-config.js';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * client-node gives every API request a new undici Agent, so every request opens its own TCP + TLS
 * connection: on a 2-core machine the handshakes, on both ends, became the largest cost of delivering a
 * burst of sandboxes. This KubeConfig keeps one dispatcher (a keep-alive connection pool) and reuses it
 * while the TLS identity (server, CA, client certificate and key) stays the same; a rotated certificate
 * gets a new pool and the old one is closed.
 */
export class ConnectionReusingKubeConfig extends KubeConfig {
  private shared: { identity: string; dispatcher: Dispatcher } | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    const identity = await this.tlsIdentity();
    if (this.shared?.identity === identity) {
      context.setDispatcher(this.shared.dispatcher);
      void fresh.close();
      return;
    }
    const previous = this.shared;
    this.shared = { identity, dispatcher: fresh };
    if (previous) void previous.dispatcher.close();
  }

  private async tlsIdentity(): Promise<string> {
    const options: RequestOptions = {};
    await this.applyToHTTPSOptions(options);
    const hash = createHash('sha256').update(this.getCurrentCluster()?.server ?? '');
    for (const part of [options.ca, options.cert, options.key, options.pfx, String(options.rejectUnauthorized), options.servername]) {
      hash.update('\0');
      if (typeof part === 'string' || Buffer.isBuffer(part)) hash.update(part);
    }
    return hash.digest('hex');
  }
}

export function buildKubeConfig(source: KubeConfigSource): KubeConfig {
  const kubeConfig = new ConnectionReusingKubeConfig();
  if (source.kind === 'in-cluster') kubeConfig.loadFromCluster();
  else kubeConfig.loadFromFile(source.path);
  return kubeConfig;
}
