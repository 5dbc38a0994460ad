// The Temporal CLI's dev server (frontend, history, matching, worker services and the Web UI in one
// process, SQLite storage) with the operator's custom search attributes registered at start.
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { OPERATOR_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { freePorts, portIfFree } from './free-port.js';
import { ManagedProcess } from './managed-process.js';
import { RestartableProcess } from './restartable-process.js';
import { waitUntil } from './wait-until.js';

export interface RunningTemporal {
  /** Restartable on the same ports; workflows survive it only with `dbFile`. */
  process: RestartableProcess;
  /** host:port of the gRPC frontend. */
  address: string;
  namespace: string;
  /** Web UI URL, when the UI is enabled. */
  uiUrl: string | undefined;
}

export interface TemporalStartOptions {
  binary: string;
  dataDir: string;
  ui: boolean;
  /** Persist workflow state in this SQLite file (survives restarts of the dev stack). */
  dbFile?: string;
  /**
   * Ports to use when free (the dev stack asks for Temporal's defaults, 7233 and 8233, so bookmarks and
   * CLI defaults keep working across restarts); otherwise, and by default, free ones.
   */
  preferredPorts?: { frontend: number; ui: number };
  timeoutMs: number;
}

const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** The `temporal server start-dev` flag that registers a search attribute. */
export function searchAttributeFlag(key: { name: string; type: SearchAttributeType }): string {
  return `--search-attribute=${key.name}=${CLI_TYPE_NAMES[key.type]}`;
}

/**
 * The dev server picks free ports for its history, matching and worker services itself, and another
 * process can bind one between its pick and its bind (seen once in 15 chaos runs: it exits on
 * `bind: address already in use`). It picks again when started again.
 */
const PORT_TAKEN = /bind: address already in use/;
const PORT_RACE_ATTEMPTS = 3;

export async function startTemporalDevServer(opts: TemporalStartOptions): Promise<RunningTemporal> {
  const [freeFrontend, freeUi, httpPort, metricsPort] = await freePorts(4);
  const preferred = opts.preferredPorts;
  const port = (preferred && (await portIfFree(preferred.frontend))) ?? freeFrontend!;
  const uiPort = (preferred && (await portIfFree(preferred.ui))) ?? freeUi!;
  const namespace = 'default';
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--ip=127.0.0.1',
    `--port=${port}`,
    `--http-port=${httpPort}`,
    `--metrics-port=${metricsPort}`,
    `--namespace=${namespace}`,
    '--log-level=warn',
    '--log-format=json',
    ...(opts.ui ? [`--ui-ip=127.0.0.1`, `--ui-port=${uiPort}`] : ['--headless']),
    ...(opts.dbFile ? [`--db-filename=${opts.dbFile}`] : []),
    ...OPERATOR_SEARCH_ATTRIBUTES.map(searchAttributeFlag),
  ];
  const launch = async (): Promise<ManagedProcess> => {
    for (let attempt = 1; ; attempt++) {
      const process = ManagedProcess.start({ name: 'temporal', command: opts.binary, args, logPath: join(opts.dataDir, 'temporal.log') });
      try {
        await waitUntil(() => searchAttributesRegistered(address, namespace), {
          what: `Temporal dev server ${address} with the operator's search attributes`,
          timeoutMs: opts.timeoutMs,
          process,
          intervalMs: 200,
        });
        return process;
      } catch (err) {
        if (attempt >= PORT_RACE_ATTEMPTS || process.running || !PORT_TAKEN.test(process.logTail())) throw err;
      }
    }
  };
  const process = await RestartableProcess.start(launch);
  return { process, address, namespace, uiUrl: opts.ui ? `http://127.0.0.1:${uiPort}` : undefined };
}

async function searchAttributesRegistered(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return OPERATOR_SEARCH_ATTRIBUTES.every((key) => customAttributes && key.name in customAttributes);
  } finally {
    await connection.close();
  }
}
