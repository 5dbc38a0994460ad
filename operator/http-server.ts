// Probe and metrics endpoints: /healthz (the process is alive), /readyz (the enabled roles are
// ready) and /metrics (prom-client's default registry, Node process metrics included).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from 'prom-client';
import type { HostPort } from '../config/operator-config.js';
import type { Logger } from '../kernel/logger.js';

export interface HttpServerOptions {
  address: HostPort;
  /** What is not ready yet, as human-readable names; empty = ready. */
  notReady: () => string[];
  log: Logger;
}

export interface OperatorHttpServer {
  /** The bound address (the real port when port 0 was asked for). */
  address: { host: string; port: number };
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startHttpServer({ address, notReady, log }: HttpServerOptions): Promise<OperatorHttpServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });
    switch (path) {
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz': {
        const pending = notReady();
        return pending.length === 0 ? sendJson(res, 200, { status: 'ready' }) : sendJson(res, 503, { status: 'not ready', notReady: pending });
      }
      case '/metrics': {
        const body = await register.metrics();
        res.writeHead(200, { 'content-type': register.contentType }).end(body);
        return;
      }
      default:
        return sendJson(res, 404, { error: `no such path: ${path}` });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, path: req.url }, 'HTTP request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address: boundHost, port: boundPort } = server.address() as AddressInfo;
  const bound = { host: boundHost, port: boundPort };
  log.info({ address: bound }, 'HTTP server listening');

  return {
    address: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Probes and scrapers keep connections alive; do not wait for them to go idle.
        server.closeAllConnections();
      }),
  };
}
