// Counts writes as the kube-apiserver itself counts them (its apiserver_request_total metric), so the
// benchmark's writes-per-batch figure does not depend on the operator's own bookkeeping.
import { readFileSync } from 'node:fs';
import { httpsGet } from '../stack/https-get.js';

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface WriteCounterTarget {
  apiServerUrl: string;
  caPath: string;
  token: string;
}

/** Write requests (successful or not) per `resource[/subresource] VERB code`. */
export async function writeCounts(target: WriteCounterTarget): Promise<Map<string, number>> {
  const res = await httpsGet(`${target.apiServerUrl}/metrics`, {
    ca: readFileSync(target.caPath, 'utf8'),
    bearerToken: target.token,
    timeoutMs: 10_000,
  });
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  const counts = new Map<string, number>();
  for (const line of res.body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels: Record<string, string | undefined> = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m): [string, string] => [m[1]!, m[2]!]));
    if (!WRITE_VERBS.has(labels.verb ?? '')) continue;
    const resource = labels.subresource ? `${labels.resource}/${labels.subresource}` : (labels.resource ?? '');
    const key = `${resource} ${labels.verb} ${labels.code}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** Writes per key between two snapshots. */
export function writeDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d > 0) delta.set(key, d);
  }
  return delta;
}

/** Writes (any verb, any code) to one resource[/subresource] in a delta. */
export function writesTo(delta: Map<string, number>, resource: string): number {
  let total = 0;
  for (const [key, n] of delta) if (key.split(' ')[0] === resource) total += n;
  return total;
}
