// The kube-apiserver as the real node's pods reach it: through the `kubernetes` Service, whose endpoint is
// the address the apiserver advertises. The stack's apiserver listens on loopback only (pods cannot reach
// the host's loopback, and nothing here may listen beyond the host), so it advertises the node's address
// and this relay, in the stack's process, carries connections from that address and the same port to the
// loopback listener. TLS passes through untouched: the apiserver's certificate names the node address and
// the Service's ClusterIP.
import { connect, createServer, type Socket } from 'node:net';
import { NODE_IP } from './node-network.js';

export interface ApiServerRelay {
  stop(): Promise<void>;
}

export async function startApiServerRelay(apiServerUrl: string): Promise<ApiServerRelay> {
  const port = Number(new URL(apiServerUrl).port);
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      // Either side failing ends both: the client sees its connection reset, as with a dead apiserver.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, NODE_IP, () => resolve());
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
