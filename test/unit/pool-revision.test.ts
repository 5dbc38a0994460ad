import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import { templateRevision } from '../../planners/pool/pool-revision.js';

const sha256Prefix = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

const TEMPLATE: PodTemplate = {
  metadata: { labels: { app: 'sandbox', tier: 'warm' } },
  spec: { containers: [{ name: 'sandbox', image: 'sandbox:1', command: ['sleep', '3600'] }] },
};

describe('templateRevision', () => {
  it('is 16 hex characters of SHA-256 over sorted-key JSON', () => {
    const canonical =
      '{"metadata":{"labels":{"app":"sandbox","tier":"warm"}},' + '"spec":{"containers":[{"command":["sleep","3600"],"image":"sandbox:1","name":"sandbox"}]}}';
    expect(templateRevision(TEMPLATE)).toBe(sha256Prefix(canonical));
    expect(templateRevision(TEMPLATE)).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each<[string, PodTemplate]>([
    [
      'keys in another order at every depth',
      {
        spec: { containers: [{ command: ['sleep', '3600'], name: 'sandbox', image: 'sandbox:1' }] },
        metadata: { labels: { tier: 'warm', app: 'sandbox' } },
      },
    ],
    ['undefined members', { ...TEMPLATE, metadata: { ...TEMPLATE.metadata, annotations: undefined } }],
  ])('does not change with %s', (_, template) => {
    expect(templateRevision(template)).toBe(templateRevision(TEMPLATE));
  });

  it.each<[string, PodTemplate]>([
    ['another image', { ...TEMPLATE, spec: { containers: [{ ...TEMPLATE.spec.containers[0]!, image: 'sandbox:2' }] } }],
    ['another array order', { ...TEMPLATE, spec: { containers: [{ ...TEMPLATE.spec.containers[0]!, command: ['3600', 'sleep'] }] } }],
    ['an added label', { ...TEMPLATE, metadata: { labels: { ...TEMPLATE.metadata!.labels, extra: '' } } }],
    ['an added field', { ...TEMPLATE, spec: { ...TEMPLATE.spec, priority: 1 } }],
  ])('changes with %s', (_, template) => {
    expect(templateRevision(template)).not.toBe(templateRevision(TEMPLATE));
  });

  it('keeps null members and turns undefined array members into null, as JSON does', () => {
    const template = { ...TEMPLATE, spec: { ...TEMPLATE.spec, hostname: null, extra: [undefined, 1] } } as unknown as PodTemplate;
    const canonical =
      '{"metadata":{"labels":{"app":"sandbox","tier":"warm"}},' +
      '"spec":{"containers":[{"command":["sleep","3600"],"image":"sandbox:1","name":"sandbox"}],"extra":[null,1],"hostname":null}}';
    expect(templateRevision(template)).toBe(sha256Prefix(canonical));
  });
});
