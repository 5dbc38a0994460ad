// A registry on the real node's address that a test stalls (SIGSTOP: it accepts connections and never
// answers) while a push is under way, and resumes; its hooks start and stop it around the describe block.
import { join } from 'node:path';
import { afterAll, beforeAll } from '@jest/globals';
import { RegistryClient, RegistryError } from '../../oci/registry-client.js';
import { startOciRegistry, type RunningOciRegistry } from '../../stack/oci-registry.js';
import { NODE_IP } from '../../stack/real-node/node-network.js';
import { realNodeTools } from '../../stack/toolchain.js';
import { testStackInfo } from './stack.js';

export interface StalledRegistry {
  /** host:port, once started (read it lazily, e.g. in a getter of the operator's settings). */
  readonly address: string;
  stall(): void;
  resume(): void;
  /** 'found', or the registry's status for the manifest (404 when the tag was never written). */
  lookUp(repository: string, tag: string): Promise<unknown>;
}

export function stalledRegistry(dirName: string): StalledRegistry {
  let registry: RunningOciRegistry;
  beforeAll(async () => {
    registry = await startOciRegistry({ binary: realNodeTools().registry, dataDir: join(testStackInfo().dataDir, dirName), host: NODE_IP, timeoutMs: 30_000 });
  });
  afterAll(async () => {
    process.kill(registry.process.pid, 'SIGCONT');
    await registry.stop();
  });
  return {
    get address() {
      return registry.address;
    },
    stall: () => process.kill(registry.process.pid, 'SIGSTOP'),
    resume: () => process.kill(registry.process.pid, 'SIGCONT'),
    lookUp: (repository, tag) =>
      new RegistryClient({ registry: registry.address, insecure: true }).getManifest(repository, tag).then(
        () => 'found',
        (err: unknown) => (err instanceof RegistryError ? err.status : err),
      ),
  };
}
