import { describe, expect, it } from '@jest/globals';
import { formatReference, parseImageReference } from '../../oci/image-reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseImageReference', () => {
  it.each([
    ['busybox', { registry: 'registry-1.docker.io', repository: 'library/busybox' }],
    ['busybox:1.36', { registry: 'registry-1.docker.io', repository: 'library/busybox', tag: '1.36' }],
    ['org/app:v1', { registry: 'registry-1.docker.io', repository: 'org/app', tag: 'v1' }],
    ['docker.io/busybox', { registry: 'registry-1.docker.io', repository: 'library/busybox' }],
    ['index.docker.io/org/app', { registry: 'registry-1.docker.io', repository: 'org/app' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/app:dev', { registry: 'localhost:5000', repository: 'app', tag: 'dev' }],
    ['192.0.2.2:5000/sb-main:snap-gen2', { registry: '192.0.2.2:5000', repository: 'sb-main', tag: 'snap-gen2' }],
    ['ghcr.io/org/sub/app', { registry: 'ghcr.io', repository: 'org/sub/app' }],
    [`r.io:443/app@${DIGEST}`, { registry: 'r.io:443', repository: 'app', digest: DIGEST }],
    [`r.io/app:v1@${DIGEST}`, { registry: 'r.io', repository: 'app', tag: 'v1', digest: DIGEST }],
    [`app@${DIGEST}`, { registry: 'registry-1.docker.io', repository: 'library/app', digest: DIGEST }],
  ])('%s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each(['', 'App', 'a//b', 'app:', 'https://r.io/app', 'app@sha256:abc', `app@sha512:${'ab'.repeat(64)}`, 'a b'])('rejects %j, naming it', (text) => {
    expect(() => parseImageReference(text)).toThrow(JSON.stringify(text));
  });
});

describe('formatReference', () => {
  it.each(['registry-1.docker.io/library/busybox', 'localhost:5000/app:dev', `r.io/app@${DIGEST}`, `r.io/app:v1@${DIGEST}`])('round-trips %s', (text) => {
    expect(formatReference(parseImageReference(text))).toBe(text);
  });

  it('spells out the normalized registry and repository', () => {
    expect(formatReference(parseImageReference('busybox:1'))).toBe('registry-1.docker.io/library/busybox:1');
  });
});
