// `node dist/bench/floor-controller-main.js <namespace>`: the apiserver floor's controller
// (bench/apiserver-floor.ts) as a process of its own, with KUBECONFIG. Prints `ready` once it watches, and
// again after each line on stdin, once it has listed the namespace's pods for the next trial; serves
// until SIGTERM.
import { createInterface } from 'node:readline';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { serveFloorSandboxes } from './apiserver-floor.js';

const namespace = process.argv[2];
if (!namespace) {
  process.stderr.write('usage: floor-controller-main <namespace>\n');
  process.exit(2);
}
const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
const server = await serveFloorSandboxes(kc, namespace);
process.stdout.write('ready\n');
createInterface({ input: process.stdin }).on('line', () => {
  void core.listNamespacedPod({ namespace }).then(({ items }) => {
    server.usePods(items);
    process.stdout.write('ready\n');
  });
});
process.on('SIGTERM', () => {
  server.stop();
  process.exit(0);
});
