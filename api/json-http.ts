// JSON over node:http for the project's small servers (the task-executor, the node commit agent): answers,
// errors as `{"code": "<HTTP status text>", "message": "..."}`, and request bodies read against a schema
// with a size limit.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { z } from 'zod';

/** A request the server refuses with this status and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function reply(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

export function replyError(res: ServerResponse, status: number, message: string): void {
  reply(res, status, { code: STATUS_CODES[status] ?? String(status), message });
}

/** The body as `schema` reads it; 413 beyond `maxBytes`, 400 naming the bad field. */
export async function readJson<T extends z.ZodType>(req: IncomingMessage, schema: T, maxBytes: number): Promise<z.infer<T>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, `request body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `invalid request body: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HttpError(400, `invalid request body: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  return parsed.data;
}
