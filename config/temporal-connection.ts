// Connection options shared by the worker's NativeConnection and the client's Connection (both
// take the same address/tls/apiKey shape), so the two can never disagree about how to reach Temporal.
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { TemporalConfig } from './operator-config.js';

export interface TemporalConnectionOptions {
  address: string;
  tls: TLSConfig | false;
  apiKey?: string;
}

export function temporalConnectionOptions({ address, tls, apiKey }: TemporalConfig): TemporalConnectionOptions {
  const tlsConfig: TLSConfig | false = tls && {
    ...(tls.clientCertPair && {
      clientCertPair: { crt: readFileSync(tls.clientCertPair.certPath), key: readFileSync(tls.clientCertPair.keyPath) },
    }),
    ...(tls.caPath && { serverRootCACertificate: readFileSync(tls.caPath) }),
    ...(tls.serverName && { serverNameOverride: tls.serverName }),
  };
  return { address, tls: tlsConfig, ...(apiKey && { apiKey }) };
}
