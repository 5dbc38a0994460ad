// A client of the OCI distribution API (Docker Hub, distribution, Harbor, GHCR, …) over node:http and
// node:https rather than fetch, because an insecure registry needs TLS without certificate
// verification and a fall-back to plain HTTP. Its errors name the operation, the request and the
// registry's own error codes: they end up in the status of a user's Kubernetes object.
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { sha256Digest } from './digest.js';
import { hostPort, readAll, sendHttpRequest, TransportError } from './http-request.js';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES } from './media-types.js';
import { parseAuthChallenge } from './www-authenticate.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /** `host[:port]` of the registry's API (Docker Hub: `registry-1.docker.io`). */
  registry: string;
  /** true = HTTPS without certificate verification, else plain HTTP; false = verified HTTPS only. */
  insecure: boolean;
  credentials?: RegistryCredentials;
  userAgent?: string;
  /** Longest silence of one request's connection; default 60 s. */
  timeoutMs?: number;
}

export interface FetchedManifest {
  mediaType: string;
  bytes: Buffer;
  /** sha256 of `bytes`. */
  digest: string;
}

export interface BlobSource {
  digest: string;
  size: number;
  /** The content, or a stream of it; called once per attempt (a retry after authentication reopens it). */
  open: () => Buffer | Readable | Promise<Buffer | Readable>;
}

/** One entry of the registry's error answer (`{"errors":[{"code","message"}]}`). */
export interface RegistryErrorDetail {
  code: string;
  message: string;
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    /** undefined when there was no answer (no connection, a timeout). */
    readonly status: number | undefined,
    readonly details: RegistryErrorDetail[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RegistryError';
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_USER_AGENT = 'opensandbox-temporal-operator';
/** distribution refuses larger manifests too. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_TOKEN_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES: readonly number[] = [301, 302, 303, 307, 308];
const EMPTY = Buffer.alloc(0);

interface Exchange {
  /** What the request is part of, for errors: `push of blob r.io/app@sha256:…`. */
  operation: string;
  method: string;
  /** Path and query below the registry's root, or an absolute URL on another host (a redirect). */
  target: string;
  /** Token scopes the request needs, e.g. `repository:app:pull,push`. */
  scopes: string[];
  headers?: OutgoingHttpHeaders;
  /** Called once per attempt: authentication and the fall-back to plain HTTP resend the request. */
  body?: () => Buffer | Readable | Promise<Buffer | Readable>;
  /** Statuses that are a success; any other is a RegistryError. */
  ok: readonly number[];
  followRedirects?: boolean;
}

interface Answer {
  response: IncomingMessage;
  url: URL;
}

export class RegistryClient {
  readonly registry: string;
  private readonly insecure: boolean;
  private readonly credentials: RegistryCredentials | undefined;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  /** The scheme that worked, so an insecure registry is probed with HTTPS only once. */
  private scheme: 'https:' | 'http:' | undefined;
  /** The registry asked for Basic authentication once: later requests send it at once. */
  private basicAuth = false;
  /** Bearer tokens by the scopes they were fetched for. */
  private readonly tokens = new Map<string, string>();

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.insecure = options.insecure;
    this.credentials = options.credentials;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** `reference` is a tag or a digest; a digest is checked against the bytes received. */
  async getManifest(
    repository: string,
    reference: string,
    accept: readonly string[] = [...MANIFEST_MEDIA_TYPES, ...INDEX_MEDIA_TYPES],
  ): Promise<FetchedManifest> {
    const x: Exchange = {
      operation: `pull of manifest ${this.imageName(repository, reference)}`,
      method: 'GET',
      target: `/v2/${repository}/manifests/${reference}`,
      scopes: [pullScope(repository)],
      headers: { accept: accept.join(', ') },
      ok: [200],
    };
    const { response } = await this.exchange(x);
    const bytes = await this.readBody(x, response, MAX_MANIFEST_BYTES);
    const digest = sha256Digest(bytes);
    if (reference.includes(':') && digest !== reference) {
      throw this.failure(x, `the registry returned a manifest whose digest is ${digest}`);
    }
    return { mediaType: manifestMediaType(response, bytes), bytes, digest };
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const { response } = await this.exchange({
      operation: `check of blob ${this.registry}/${repository}@${digest}`,
      method: 'HEAD',
      target: blobPath(repository, digest),
      scopes: [pullScope(repository)],
      // A redirect points at the content, so the blob exists.
      ok: [200, 404, ...REDIRECT_STATUSES],
    });
    response.resume();
    return response.statusCode !== 404;
  }

  /** The blob's content; redirects to storage elsewhere are followed without the registry's credentials. */
  async getBlob(repository: string, digest: string): Promise<Readable> {
    const { response } = await this.exchange({
      operation: `pull of blob ${this.registry}/${repository}@${digest}`,
      method: 'GET',
      target: blobPath(repository, digest),
      scopes: [pullScope(repository)],
      ok: [200],
      followRedirects: true,
    });
    return response;
  }

  /** Links a blob of `fromRepository` on the same registry into `repository`; false when the registry would not. */
  async mountBlob(repository: string, digest: string, fromRepository: string): Promise<boolean> {
    const query = new URLSearchParams({ mount: digest, from: fromRepository });
    const x: Exchange = {
      operation: `mount of blob ${digest} from ${fromRepository} into ${this.registry}/${repository}`,
      method: 'POST',
      target: `/v2/${repository}/blobs/uploads/?${query.toString()}`,
      scopes: [pushScope(repository), pullScope(fromRepository)],
      body: () => EMPTY,
      ok: [201, 202],
    };
    const { response, url } = await this.exchange(x);
    response.resume();
    if (response.statusCode === 201) return true;
    // 202: the registry opened an upload session instead; the caller uploads through a new one.
    const location = response.headers.location;
    if (location) {
      const cancel = { ...x, method: 'DELETE', target: this.targetOf(new URL(location, url)), body: undefined, ok: [204] };
      await this.exchange(cancel).then(
        (answer) => answer.response.resume(),
        () => {
          // An abandoned session expires on its own; it does not matter to the caller.
        },
      );
    }
    return false;
  }

  /** Uploads a blob in one request, unless the repository already has it. */
  async pushBlob(repository: string, blob: BlobSource): Promise<void> {
    if (await this.hasBlob(repository, blob.digest)) return;
    const operation = `push of blob ${this.registry}/${repository}@${blob.digest}`;
    const scopes = [pushScope(repository)];
    const start: Exchange = {
      operation,
      method: 'POST',
      target: `/v2/${repository}/blobs/uploads/`,
      scopes,
      body: () => EMPTY,
      ok: [202],
    };
    const started = await this.exchange(start);
    started.response.resume();
    const location = started.response.headers.location;
    if (!location) throw this.failure(start, 'the registry opened an upload without a Location');
    const upload: Exchange = {
      operation,
      method: 'PUT',
      target: this.targetOf(withDigestParameter(new URL(location, started.url), blob.digest)),
      scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': blob.size },
      body: blob.open,
      ok: [201],
    };
    const { response } = await this.exchange(upload);
    response.resume();
    const stored = response.headers['docker-content-digest'];
    if (stored !== undefined && stored !== blob.digest) {
      throw this.failure(upload, `the registry stored the blob as ${String(stored)}`);
    }
  }

  /** Stores a manifest under `tag`; returns its digest (sha256 of `bytes`). */
  async putManifest(repository: string, tag: string, bytes: Buffer, mediaType: string): Promise<string> {
    const digest = sha256Digest(bytes);
    const x: Exchange = {
      operation: `push of ${this.registry}/${repository}:${tag}`,
      method: 'PUT',
      target: `/v2/${repository}/manifests/${tag}`,
      scopes: [pushScope(repository)],
      headers: { 'content-type': mediaType },
      body: () => bytes,
      ok: [201],
    };
    const { response } = await this.exchange(x);
    response.resume();
    const returned = response.headers['docker-content-digest'];
    if (returned !== undefined && returned !== digest) {
      throw this.failure(x, `the registry returned another digest, ${String(returned)}, for a manifest whose digest is ${digest}`);
    }
    return digest;
  }

  private async exchange(x: Exchange): Promise<Answer> {
    let current = x;
    try {
      for (let redirects = 0; ; redirects++) {
        const answer = await this.authenticatedSend(current);
        const status = answer.response.statusCode ?? 0;
        const location = answer.response.headers.location;
        if (x.followRedirects && REDIRECT_STATUSES.includes(status) && location && redirects < MAX_REDIRECTS) {
          answer.response.resume();
          current = { ...current, target: this.targetOf(new URL(location, answer.url)) };
          continue;
        }
        if (!x.ok.includes(status)) throw await this.statusError(current, answer);
        return answer;
      }
    } catch (err) {
      if (err instanceof TransportError) throw this.failure(current, err.message, err);
      throw err;
    }
  }

  /** Sends with what is known of the registry's authentication; on a 401, authenticates as asked and resends once. */
  private async authenticatedSend(x: Exchange): Promise<Answer> {
    const sent = this.knownAuthorization(x.scopes);
    const first = await this.send(x, sent);
    if (first.response.statusCode !== 401 || !this.isRegistryUrl(first.url)) return first;
    let authorization: string | undefined;
    try {
      authorization = await this.authorize(x, first.response.headers['www-authenticate'], sent);
    } catch (err) {
      first.response.resume();
      throw err;
    }
    if (authorization === undefined) return first;
    first.response.resume();
    return this.send(x, authorization);
  }

  private knownAuthorization(scopes: string[]): string | undefined {
    const token = this.tokens.get(scopes.join(' '));
    if (token !== undefined) return `Bearer ${token}`;
    return this.basicAuth && this.credentials ? basicAuthorization(this.credentials) : undefined;
  }

  /** The Authorization to resend with, or undefined when there is nothing new to try. */
  private async authorize(x: Exchange, header: string | undefined, sent: string | undefined): Promise<string | undefined> {
    const challenge = parseAuthChallenge(header);
    if (challenge?.scheme === 'basic') {
      if (!this.credentials || sent?.startsWith('Basic ')) return undefined;
      this.basicAuth = true;
      return basicAuthorization(this.credentials);
    }
    const realm = challenge?.scheme === 'bearer' ? challenge.params.realm : undefined;
    if (challenge === undefined || realm === undefined) return undefined;
    const token = await this.fetchToken(x, realm, challenge.params.service, challenge.params.scope);
    this.tokens.set(x.scopes.join(' '), token);
    return `Bearer ${token}`;
  }

  private async fetchToken(x: Exchange, realm: string, service: string | undefined, scope: string | undefined): Promise<string> {
    const url = new URL(realm);
    if (service !== undefined) url.searchParams.set('service', service);
    // The challenge's scopes plus the request's own (a mount also needs pull on the source repository).
    for (const s of new Set([...(scope?.split(' ') ?? []), ...x.scopes])) url.searchParams.append('scope', s);
    const headers: OutgoingHttpHeaders = { 'user-agent': this.userAgent, accept: 'application/json' };
    if (this.credentials) headers.authorization = basicAuthorization(this.credentials);
    const tokenRequest: Exchange = { ...x, method: 'GET', target: url.href, headers, ok: [200] };
    const response = await sendHttpRequest(url, {
      method: 'GET',
      headers,
      verifyTls: !this.insecure,
      idleTimeoutMs: this.timeoutMs,
    });
    if (response.statusCode !== 200) throw await this.statusError(tokenRequest, { response, url });
    const body = await this.readBody(tokenRequest, response, MAX_TOKEN_BODY_BYTES);
    let token: unknown;
    try {
      const json = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = json.token ?? json.access_token;
    } catch {
      // Reported below as a missing token.
    }
    if (typeof token !== 'string' || token === '') throw this.failure(tokenRequest, `the token server ${url.host} returned no token`);
    return token;
  }

  private async send(x: Exchange, authorization: string | undefined): Promise<Answer> {
    if (/^https?:\/\//.test(x.target)) return this.transmit(x, new URL(x.target), undefined);
    const scheme = this.insecure ? (this.scheme ?? 'https:') : 'https:';
    try {
      const answer = await this.transmit(x, new URL(x.target, `${scheme}//${this.registry}`), authorization);
      this.scheme = scheme;
      return answer;
    } catch (err) {
      const tryPlainHttp = this.insecure && this.scheme === undefined && err instanceof TransportError && err.failure === 'tls';
      if (!tryPlainHttp) throw err;
      const answer = await this.transmit(x, new URL(x.target, `http://${this.registry}`), authorization);
      this.scheme = 'http:';
      return answer;
    }
  }

  private async transmit(x: Exchange, url: URL, authorization: string | undefined): Promise<Answer> {
    const headers: OutgoingHttpHeaders = { 'user-agent': this.userAgent, ...x.headers };
    if (authorization !== undefined) headers.authorization = authorization;
    const response = await sendHttpRequest(url, {
      method: x.method,
      headers,
      body: x.body ? await x.body() : undefined,
      verifyTls: !this.insecure,
      idleTimeoutMs: this.timeoutMs,
    });
    return { response, url };
  }

  private async readBody(x: Exchange, response: IncomingMessage, maxBytes: number): Promise<Buffer> {
    try {
      return await readAll(response, maxBytes, 'the answer');
    } catch (err) {
      throw this.failure(x, `reading the answer failed: ${(err as Error).message}`, err);
    }
  }

  private async statusError(x: Exchange, { response, url }: Answer): Promise<RegistryError> {
    const status = response.statusCode ?? 0;
    let text = '';
    try {
      text = (await readAll(response, MAX_ERROR_BODY_BYTES, 'the error answer')).toString('utf8');
    } catch {
      // The status alone still says what happened.
    }
    const details = registryErrorDetails(text);
    const why = details.length > 0 ? details.map((d) => `${d.code} ${d.message}`.trim()).join('; ') : response.statusMessage || text.trim().slice(0, 200);
    const outcome = status >= 400 && status < 500 ? 'refused' : 'failed';
    const request = `${x.method} ${this.isRegistryUrl(url) ? url.pathname : `${url.host}${url.pathname}`}`;
    return new RegistryError(`${x.operation} ${outcome}: ${status} ${why} (${request})`, x.method, url.pathname, status, details);
  }

  private failure(x: Exchange, reason: string, cause?: unknown): RegistryError {
    const path = /^https?:\/\//.test(x.target) ? new URL(x.target).pathname : x.target.replace(/\?.*$/, '');
    return new RegistryError(`${x.operation} failed: ${reason}`, x.method, path, undefined, [], { cause });
  }

  /** Requests to the registry itself stay relative, so they use the scheme that works and carry its credentials. */
  private targetOf(url: URL): string {
    return this.isRegistryUrl(url) ? `${url.pathname}${url.search}` : url.href;
  }

  private isRegistryUrl(url: URL): boolean {
    return url.host === this.registry || hostPort(url) === this.registry;
  }

  private imageName(repository: string, reference: string): string {
    return `${this.registry}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
  }
}

function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

function blobPath(repository: string, digest: string): string {
  return `/v2/${repository}/blobs/${digest}`;
}

function basicAuthorization({ username, password }: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Appends `digest=` to an upload Location, keeping its own query (a session state) as the registry wrote it. */
function withDigestParameter(location: URL, digest: string): URL {
  const url = new URL(location);
  const parameter = `digest=${encodeURIComponent(digest)}`;
  url.search = url.search ? `${url.search}&${parameter}` : `?${parameter}`;
  return url;
}

/** The Content-Type, unless it is a generic one; then the manifest's own `mediaType` field. */
function manifestMediaType(response: IncomingMessage, bytes: Buffer): string {
  const contentType = response.headers['content-type']?.split(';')[0]?.trim() ?? '';
  if (contentType !== '' && contentType !== 'application/json' && contentType !== 'application/octet-stream') return contentType;
  try {
    const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    if (typeof declared === 'string') return declared;
  } catch {
    // Not JSON: the caller's parser says so.
  }
  return contentType;
}

function registryErrorDetails(text: string): RegistryErrorDetail[] {
  try {
    const json = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(json.errors)) return [];
    return json.errors.map((e: { code?: unknown; message?: unknown }) => ({
      code: typeof e.code === 'string' ? e.code : '',
      message: typeof e.message === 'string' ? e.message : '',
    }));
  } catch {
    return [];
  }
}
