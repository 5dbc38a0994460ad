// The kube-apiserver's audit log of writes to our API group (stack/kube-apiserver.ts AUDIT_POLICY): who
// wrote which object, with which verb, and what the apiserver answered. Write counts taken here do not
// depend on the operator's own bookkeeping.
import { readFileSync } from 'node:fs';

export interface AuditedWrite {
  verb: string;
  resource: string;
  subresource: string | undefined;
  namespace: string | undefined;
  name: string | undefined;
  /** The HTTP status the apiserver answered. */
  code: number | undefined;
  user: string | undefined;
}

interface AuditEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
}

/** The completed writes in the text of an audit log (JSON lines; other stages and blank lines skipped). */
export function parseAuditLog(text: string): AuditedWrite[] {
  return text.split('\n').flatMap((line): AuditedWrite[] => {
    if (line.trim() === '') return [];
    const event = JSON.parse(line) as AuditEvent;
    if (event.stage !== 'ResponseComplete' || !event.verb || !event.objectRef?.resource) return [];
    const { resource, subresource, namespace, name } = event.objectRef;
    return [{ verb: event.verb, resource, subresource, namespace, name, code: event.responseStatus?.code, user: event.user?.username }];
  });
}

export function readAuditedWrites(path: string): AuditedWrite[] {
  return parseAuditLog(readFileSync(path, 'utf8'));
}
