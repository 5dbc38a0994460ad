// A Temporal Client for the configured cluster: the watch role starts workflows with it, tests and
// the dev command inspect them. Close it with `client.connection.close()`.
import { Client, Connection } from '@temporalio/client';
import type { TemporalConfig } from '../config/operator-config.js';
import { operatorDataConverter } from '../kernel/payload-compression.js';
import { temporalConnectionOptions } from '../config/temporal-connection.js';

export async function createTemporalClient(config: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  return new Client({ connection, namespace: config.namespace, dataConverter: operatorDataConverter });
}
