// Minimal HTTPS GET for readiness probes of self-signed control-plane endpoints.
import { request } from 'node:https';

export interface HttpsGetOptions {
  /** PEM bundle to trust; without it the server certificate is not verified (health endpoints only). */
  ca?: string;
  bearerToken?: string;
  timeoutMs?: number;
}

export function httpsGet(url: string, opts: HttpsGetOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        ca: opts.ca,
        rejectUnauthorized: opts.ca !== undefined,
        headers: opts.bearerToken ? { authorization: `Bearer ${opts.bearerToken}` } : {},
        timeout: opts.timeoutMs ?? 2_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
