import { describe, expect, it } from '@jest/globals';
import { credentialsFor, parseDockerConfig } from '../../oci/docker-config.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('credentialsFor', () => {
  it('decodes auth, keeping colons of the password', () => {
    const config = { auths: { 'r.io:5000': { auth: b64('alice:pa:ss') } } };
    expect(credentialsFor(config, 'r.io:5000')).toEqual({ username: 'alice', password: 'pa:ss' });
  });

  it('prefers auth over username/password, and falls back to them without it', () => {
    const config = {
      auths: {
        'a.io': { auth: b64('from-auth:1'), username: 'plain', password: '2' },
        'b.io': { username: 'plain', password: '2' },
      },
    };
    expect(credentialsFor(config, 'a.io')).toEqual({ username: 'from-auth', password: '1' });
    expect(credentialsFor(config, 'b.io')).toEqual({ username: 'plain', password: '2' });
  });

  it.each(['https://r.io:5000', 'http://r.io:5000/v1/', 'R.io:5000', 'https://r.io:5000/v2/'])('accepts the key %s', (key) => {
    expect(credentialsFor({ auths: { [key]: { auth: b64('u:p') } } }, 'r.io:5000')).toEqual({ username: 'u', password: 'p' });
  });

  it("finds Docker Hub's credentials under its legacy key", () => {
    const config = { auths: { 'https://index.docker.io/v1/': { auth: b64('hub:secret') } } };
    expect(credentialsFor(config, 'registry-1.docker.io')).toEqual({ username: 'hub', password: 'secret' });
  });

  it('has none for another host, another port, or an entry without credentials', () => {
    const config = { auths: { 'r.io:5000': { auth: b64('u:p') }, 'empty.io': {} } };
    expect(credentialsFor(config, 'r.io')).toBeUndefined();
    expect(credentialsFor(config, 'r.io:5001')).toBeUndefined();
    expect(credentialsFor(config, 'empty.io')).toBeUndefined();
    expect(credentialsFor({}, 'r.io:5000')).toBeUndefined();
  });
});

describe('parseDockerConfig', () => {
  it('keeps other fields and names the source of a bad file', () => {
    expect(parseDockerConfig('{"auths":{},"credsStore":"desktop"}', 'x')).toEqual({ auths: {}, credsStore: 'desktop' });
    expect(() => parseDockerConfig('{', '/secret/config.json')).toThrow('docker config /secret/config.json is not JSON');
    expect(() => parseDockerConfig('{"auths":{"r.io":{"auth":1}}}', 'secret ns/push')).toThrow('docker config secret ns/push is malformed');
  });
});
