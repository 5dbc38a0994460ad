// The node agent's HTTP server (protocol: api/commit-agent.ts), on node:http. Every /v1 call needs the
// agent's bearer token: the agent freezes containers and pushes images with the node's credentials, so
// only the operator may ask. Errors are `{"code": "<HTTP status text>", "message": "..."}` (api/json-http.ts).
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { commitKeySchema, commitRequestSchema, MAX_WAIT_MS } from '../api/commit-agent.js';
import { HttpError, readJson, reply, replyError } from '../api/json-http.js';
import type { CommitAgent } from './commit-agent.js';

const MAX_BODY_BYTES = 64 * 1024;

function authorized(req: IncomingMessage, token: Buffer): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '');
  return given.length === token.length && timingSafeEqual(given, token);
}

export function commitAgentServer(agent: CommitAgent, token: string, log: Logger): Server {
  const tokenBytes = Buffer.from(token);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (url.pathname === '/healthz' && req.method === 'GET') return reply(res, 200, { status: 'ok' });
    if (!url.pathname.startsWith('/v1/')) throw new HttpError(404, `no route for ${req.method} ${url.pathname}`);
    if (!authorized(req, tokenBytes)) throw new HttpError(401, 'a valid bearer token is required');

    if (url.pathname === '/v1/commits') {
      if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed on ${url.pathname}`);
      const request = await readJson(req, commitRequestSchema, MAX_BODY_BYTES);
      const state = agent.start(request);
      log.info({ kind: 'Pod', namespace: request.namespace, name: request.pod, key: request.key, state: state.state }, 'Commit requested');
      return reply(res, 200, state);
    }

    const match = /^\/v1\/commits\/([^/]+)$/.exec(url.pathname);
    const key = commitKeySchema.safeParse(match ? decodeURIComponent(match[1]!) : '');
    if (!key.success) throw new HttpError(404, `no route for ${req.method} ${url.pathname}`);
    if (req.method === 'GET') {
      const waitMs = Math.min(MAX_WAIT_MS, Math.max(0, Number(url.searchParams.get('waitMs') ?? 0) || 0));
      const state = await agent.wait(key.data, waitMs);
      return state ? reply(res, 200, state) : replyError(res, 404, `no commit ${key.data}`);
    }
    if (req.method === 'DELETE') {
      await agent.stop(key.data);
      log.info({ key: key.data }, 'Commit stopped');
      return reply(res, 204);
    }
    throw new HttpError(405, `method ${req.method} not allowed on ${url.pathname}`);
  };

  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return replyError(res, err.status, err.message);
      log.error({ err, method: req.method, url: req.url }, 'Request failed');
      replyError(res, 500, err instanceof Error ? err.message : String(err));
    });
  });
}
