// The local stack's Temporal dev server when a port it picked for itself is taken before it binds it.
// Fault injection: a wrapper in front of the real binary exits, as the dev server does, on its first
// starts; the real server then starts.
import { afterEach, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { startTemporalDevServer, type RunningTemporal } from '../../stack/temporal-dev-server.js';
import { resolveToolchain } from '../../stack/toolchain.js';

const PORT_TAKEN =
  '{"level":"ERROR","msg":"Failed to start gRPC listener","error":"listen tcp 127.0.0.1:41489: bind: address already in use","service":"history"}';

let dir: string;
let running: RunningTemporal | undefined;

afterEach(async () => {
  await running?.process.stop();
  running = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A `temporal` that prints `failure` and exits 2 on its first `failures` starts, then is the real one. */
function binaryFailingFirst(failures: number, failure: string): string {
  dir = mkdtempSync(join(tmpdir(), 'temporal-dev-server-'));
  const path = join(dir, 'temporal');
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `echo start >> '${dir}/starts'`,
      `if [ "$(wc -l < '${dir}/starts')" -le ${failures} ]; then echo '${failure}'; exit 2; fi`,
      `exec '${resolveToolchain().temporal}' "$@"`,
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}

const starts = () => readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n').length;

describe('the Temporal dev server of the local stack', () => {
  it('starts again when a port it picked was taken before it bound it, and serves', async () => {
    const binary = binaryFailingFirst(2, PORT_TAKEN);
    running = await startTemporalDevServer({ binary, dataDir: dir, ui: false, timeoutMs: 60_000 });
    expect(starts()).toBe(3);
    const connection = await Connection.connect({ address: running.address });
    try {
      const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: running.namespace });
      expect(namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }
  }, 90_000);

  it('gives up after three starts that lost a port, saying why', async () => {
    const binary = binaryFailingFirst(3, PORT_TAKEN);
    await expect(startTemporalDevServer({ binary, dataDir: dir, ui: false, timeoutMs: 60_000 })).rejects.toThrow(/bind: address already in use/);
    expect(starts()).toBe(3);
  }, 90_000);

  it('does not start again after any other failure', async () => {
    const binary = binaryFailingFirst(1, 'unknown flag: --no-such-flag');
    await expect(startTemporalDevServer({ binary, dataDir: dir, ui: false, timeoutMs: 60_000 })).rejects.toThrow(/unknown flag/);
    expect(starts()).toBe(1);
  }, 90_000);
});
