// An informer's list as the API server's JSON, page by page. client-node's typed list methods turn every
// item into model class instances with Date fields: 45% more heap per cached pod than the parsed JSON
// (43.2 vs 29.7 MB for 10,000 kwok pods, measured 2026-12-04), and the watch that follows delivers
// plain JSON anyway, so the cache held two shapes. Pages bound the peak of a large list to one page's
// text, where one response of 10,000 pods is 25 MB of text parsed at once.
import { fetch } from 'undici';
import { HttpMethod, RequestContext, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';

export const LIST_PAGE_SIZE = 500;

/** A list request the API server refused; `code` is its HTTP status (410 when a continue token expired). */
export class ListRequestError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'ListRequestError';
  }
}

export interface RawListOptions {
  labelSelector?: string;
  pageSize?: number;
}

/** Every object at `path` (e.g. `/api/v1/pods`), with the list's resourceVersion to watch from. */
export async function listRaw<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  path: string,
  { labelSelector, pageSize = LIST_PAGE_SIZE }: RawListOptions = {},
): Promise<KubernetesListObject<T>> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('No currently active cluster');
  const items: T[] = [];
  let resourceVersion: string;
  let continueToken: string | undefined;
  do {
    const url = new URL(server + path);
    url.searchParams.set('limit', String(pageSize));
    if (labelSelector) url.searchParams.set('labelSelector', labelSelector);
    if (continueToken) url.searchParams.set('continue', continueToken);
    const context = new RequestContext(url.toString(), HttpMethod.GET);
    context.setHeaderParam('Accept', 'application/json');
    await kubeConfig.applySecurityAuthentication(context);
    const response = await fetch(url, { headers: context.getHeaders(), dispatcher: context.getDispatcher() });
    const text = await response.text();
    if (response.status !== 200) throw new ListRequestError(`list ${path}: HTTP ${response.status}: ${statusMessage(text)}`, response.status);
    const page = JSON.parse(text) as { metadata?: { resourceVersion?: string; continue?: string }; items?: T[] };
    for (const item of page.items ?? []) items.push(item);
    resourceVersion = page.metadata?.resourceVersion ?? '';
    continueToken = page.metadata?.continue || undefined;
  } while (continueToken !== undefined);
  return { metadata: { resourceVersion }, items };
}

/** The message of a Kubernetes Status body, or the body's start. */
function statusMessage(text: string): string {
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // Not JSON: an HTML error page of a proxy, say.
  }
  return text.slice(0, 200);
}
