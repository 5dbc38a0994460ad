import { describe, expect, it } from '@jest/globals';
import { parseAuditLog } from '../../stack/audit-log.js';

const event = (stage: string, verb: string, objectRef: object, code?: number) =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    stage,
    verb,
    user: { username: 'admin', groups: ['system:masters'] },
    objectRef: { apiGroup: 'sandbox.opensandbox.io', apiVersion: 'v1alpha1', ...objectRef },
    ...(code === undefined ? {} : { responseStatus: { metadata: {}, code } }),
  });

describe('parseAuditLog', () => {
  it('reads each completed write: verb, object, subresource, answer and user', () => {
    const text = [
      event('ResponseComplete', 'patch', { resource: 'batchsandboxes', namespace: 'ns', name: 'two' }, 200),
      event('ResponseComplete', 'patch', { resource: 'batchsandboxes', namespace: 'ns', name: 'two', subresource: 'status' }, 409),
      event('ResponseComplete', 'create', { resource: 'pools', namespace: 'ns' }, 201),
      '',
    ].join('\n');
    expect(parseAuditLog(text)).toEqual([
      { verb: 'patch', resource: 'batchsandboxes', subresource: undefined, namespace: 'ns', name: 'two', code: 200, user: 'admin' },
      { verb: 'patch', resource: 'batchsandboxes', subresource: 'status', namespace: 'ns', name: 'two', code: 409, user: 'admin' },
      { verb: 'create', resource: 'pools', subresource: undefined, namespace: 'ns', name: undefined, code: 201, user: 'admin' },
    ]);
  });

  it('leaves out stages other than ResponseComplete (a panic or a long-running request start)', () => {
    const text = [event('ResponseStarted', 'patch', { resource: 'pools', name: 'p' }), event('Panic', 'patch', { resource: 'pools', name: 'p' }, 500)].join(
      '\n',
    );
    expect(parseAuditLog(text)).toEqual([]);
  });
});
