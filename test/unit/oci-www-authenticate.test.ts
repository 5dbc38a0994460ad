import { describe, expect, it } from '@jest/globals';
import { parseAuthChallenge } from '../../oci/www-authenticate.js';

describe('parseAuthChallenge', () => {
  it('reads a Bearer challenge with quoted parameters', () => {
    expect(parseAuthChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
    });
  });

  it('reads a Basic challenge, unquoted values, spaces and escapes', () => {
    expect(parseAuthChallenge('Basic realm="Registry \\"A\\""')).toEqual({ scheme: 'basic', params: { realm: 'Registry "A"' } });
    expect(parseAuthChallenge('Bearer Realm=https://a/token , scope="a b"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://a/token', scope: 'a b' },
    });
  });

  it('has nothing for a missing header', () => {
    expect(parseAuthChallenge(undefined)).toBeUndefined();
    expect(parseAuthChallenge('')).toBeUndefined();
  });
});
