// The executor's HTTP API (spec §3.2), on node:http:
//   POST /setTasks   desired set → 200 all tasks | 400 bad JSON | 500 some change failed
//   GET  /getTasks   200 all tasks
//   POST /tasks      201 the task | 400 bad JSON or no name | 500 exists, limit reached, cannot start
//   GET  /tasks/{id} 200 the task | 404
//   DELETE /tasks/{id} 204 (a soft delete; nothing for an unknown name)
//   GET  /health     {"status":"healthy"}
// Errors are `{"code": "<HTTP status text>", "message": "..."}`; unknown paths 404, other methods 405.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HttpError, readJson, reply, replyError } from '../api/json-http.js';
import { taskInputSchema, taskListInputSchema } from './task.js';
import type { TaskManager } from './task-manager.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

type Route = { methods: Record<string, (req: IncomingMessage, res: ServerResponse, id: string) => Promise<void> | void> };

export function createExecutorServer(manager: TaskManager, log: Logger, timeoutMs: number): Server {
  const routes: Record<string, Route> = {
    '/setTasks': {
      methods: {
        POST: async (req, res) => {
          const desired = await readJson(req, taskListInputSchema, MAX_BODY_BYTES);
          const { tasks, errors } = manager.sync(desired);
          if (errors.length > 0) {
            log.error({ errors }, 'Failed to sync tasks');
            return replyError(res, 500, `failed to sync tasks: ${errors.join('\n')}`);
          }
          reply(res, 200, tasks);
        },
      },
    },
    '/getTasks': { methods: { GET: (_req, res) => reply(res, 200, manager.list()) } },
    '/tasks': {
      methods: {
        POST: async (req, res) => {
          const input = await readJson(req, taskInputSchema, MAX_BODY_BYTES);
          if (input.name === '') return replyError(res, 400, 'task name is required');
          try {
            reply(res, 201, manager.create(input));
          } catch (err) {
            log.error({ task: input.name, err }, 'Failed to create task');
            replyError(res, 500, `failed to create task: ${(err as Error).message}`);
          }
        },
      },
    },
    '/tasks/{id}': {
      methods: {
        GET: (_req, res, id) => {
          const task = manager.get(id);
          if (task) reply(res, 200, task);
          else replyError(res, 404, `task not found: task ${id} not found`);
        },
        DELETE: (_req, res, id) => {
          try {
            manager.delete(id);
            reply(res, 204);
          } catch (err) {
            replyError(res, 500, `failed to delete task: ${(err as Error).message}`);
          }
        },
      },
    },
    '/health': { methods: { GET: (_req, res) => reply(res, 200, { status: 'healthy' }) } },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://executor').pathname;
    let routeKey = path;
    let id = '';
    const taskMatch = /^\/tasks\/([^/]+)$/.exec(path);
    if (taskMatch) {
      routeKey = '/tasks/{id}';
      try {
        id = decodeURIComponent(taskMatch[1]!);
      } catch {
        return replyError(res, 400, `malformed task name in ${path}`);
      }
    }
    const route = routes[routeKey];
    if (!route) return replyError(res, 404, `no route for ${req.method} ${path}`);
    // HEAD is answered as GET without a body (as Go's mux does).
    const method = req.method === 'HEAD' && route.methods.GET ? 'GET' : (req.method ?? '');
    const handler = route.methods[method];
    if (!handler) {
      res.setHeader('allow', Object.keys(route.methods).join(', '));
      return replyError(res, 405, `method ${req.method} not allowed on ${path}`);
    }
    await handler(req, res, id);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return replyError(res, err.status, err.message);
      log.error({ err, method: req.method, url: req.url }, 'Request failed');
      replyError(res, 500, (err as Error).message ?? String(err));
    });
  });
  // Upstream's read and write timeouts (30 s).
  server.requestTimeout = timeoutMs;
  server.headersTimeout = timeoutMs;
  server.setTimeout(timeoutMs);
  return server;
}
