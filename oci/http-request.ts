// One HTTP exchange over node:http/https, with the failures a registry client must tell apart: no
// connection at all, a TLS handshake that failed (an insecure registry may speak plain HTTP), no
// response in time, and a connection that broke mid-exchange. Each names the server's host:port.
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

export interface HttpRequestOptions {
  method: string;
  headers: OutgoingHttpHeaders;
  body?: Buffer | Readable;
  /** false = accept any server certificate (insecure registries). */
  verifyTls: boolean;
  /** Longest silence on the connection, so a large upload that keeps moving is not cut short. */
  idleTimeoutMs: number;
}

export type TransportFailure = 'connect' | 'tls' | 'timeout' | 'broken';

export class TransportError extends Error {
  constructor(
    message: string,
    readonly failure: TransportFailure,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** Resolves with the response once its headers arrived; the caller consumes or discards the body. */
export function sendHttpRequest(url: URL, opts: HttpRequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const request = https ? httpsRequest : httpRequest;
    const req = request(url, { method: opts.method, headers: opts.headers, rejectUnauthorized: opts.verifyTls }, resolve);
    const server = hostPort(url);
    let connected = false;
    let secured = !https;
    req.once('socket', (socket) => {
      // A kept-alive socket is already connected (and past its TLS handshake).
      if (!socket.connecting) {
        connected = secured = true;
        return;
      }
      socket.once('connect', () => (connected = true));
      socket.once('secureConnect', () => (secured = true));
    });
    req.setTimeout(opts.idleTimeoutMs, () => req.destroy(new TransportError(`no answer from ${server} within ${opts.idleTimeoutMs} ms`, 'timeout')));
    let bodyError: Error | undefined;
    req.on('error', (err) => reject(err === bodyError ? err : transportError(err, server, connected, secured)));
    const body = opts.body;
    if (body instanceof Readable) {
      // A body the request did not consume (it failed, or the server answered early) is released.
      req.once('close', () => body.destroy());
      body.once('error', (err) => {
        bodyError = err;
        req.destroy(err);
      });
      body.pipe(req);
    } else {
      req.end(body);
    }
  });
}

/** Reads a whole body; more than `maxBytes` is an error naming `what`. */
export async function readAll(stream: Readable, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    length += buffer.length;
    if (length > maxBytes) {
      stream.destroy();
      throw new Error(`${what} is larger than ${maxBytes} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** `host:port`, with the scheme's default port spelled out so an error always names the port. */
export function hostPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

function transportError(err: Error, server: string, connected: boolean, secured: boolean): Error {
  if (err instanceof TransportError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (!connected) return new TransportError(`cannot connect to ${server} (${code ?? err.message})`, 'connect', { cause: err });
  if (!secured) return new TransportError(`TLS handshake with ${server} failed (${err.message})`, 'tls', { cause: err });
  return new TransportError(`connection to ${server} failed (${code ?? err.message})`, 'broken', { cause: err });
}
