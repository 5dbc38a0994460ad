import { describe, expect, it } from '@jest/globals';
import { isImageReference, isRegistryPrefix } from '../../kernel/image-reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('isImageReference', () => {
  it.each(['image-committer:dev', 'busybox', 'localhost:5000/committer', 'ghcr.io/org/sub/committer:v1.2_3', `committer@${DIGEST}`, `r.io:443/c:v1@${DIGEST}`])(
    'accepts %s',
    (ref) => expect(isImageReference(ref)).toBe(true),
  );
  it.each(['', 'Committer:dev', 'a//b', 'committer:', 'committer:v1:v2', ':dev', 'https://r.io/c', 'c@sha256:abc', 'c d'])('rejects %j', (ref) =>
    expect(isImageReference(ref)).toBe(false),
  );
});

describe('isRegistryPrefix', () => {
  it.each(['registry.example.com', 'localhost:5000', 'ghcr.io/org/snapshots', '10.0.0.5:5000/a'])('accepts %s', (prefix) =>
    expect(isRegistryPrefix(prefix)).toBe(true),
  );
  it.each(['', 'https://r.io', 'r.io/snaps:latest', `r.io/snaps@${DIGEST}`, 'r.io/', 'r.io/Snaps', 'r.io//a', 'r.io:port'])('rejects %j', (prefix) =>
    expect(isRegistryPrefix(prefix)).toBe(false),
  );
});
