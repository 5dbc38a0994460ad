// The executor's settings as upstream reads them (spec §3.1): defaults, environment, Go-style flags that
// win over the environment, and errors that name the bad key.
import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseExecutorConfig } from '../../task-executor/config.js';

describe('parseExecutorConfig', () => {
  it('defaults to upstream values: /var/lib/sandbox/tasks, 0.0.0.0:5758, host mode, main container "main", 30 s HTTP, 500 ms loop', () => {
    expect(parseExecutorConfig([], {})).toEqual({
      dataDir: '/var/lib/sandbox/tasks',
      listen: { host: '0.0.0.0', port: 5758 },
      criSocket: '/var/run/containerd/containerd.sock',
      sidecarMode: false,
      mainContainerName: 'main',
      httpTimeoutMs: 30_000,
      reconcileIntervalMs: 500,
    });
  });

  it('reads DATA_DIR, LISTEN_ADDR, CRI_SOCKET, ENABLE_SIDECAR_MODE and MAIN_CONTAINER_NAME; an empty variable is unset', () => {
    const config = parseExecutorConfig([], {
      DATA_DIR: '/tmp/tasks',
      LISTEN_ADDR: ':6000',
      CRI_SOCKET: '/run/x.sock',
      ENABLE_SIDECAR_MODE: 'true',
      MAIN_CONTAINER_NAME: 'sandbox',
    });
    expect(config).toMatchObject({
      dataDir: '/tmp/tasks',
      listen: { host: undefined, port: 6000 },
      criSocket: '/run/x.sock',
      sidecarMode: true,
      mainContainerName: 'sandbox',
    });
    expect(parseExecutorConfig([], { DATA_DIR: '', MAIN_CONTAINER_NAME: '' })).toMatchObject({ dataDir: '/var/lib/sandbox/tasks', mainContainerName: 'main' });
  });

  it('takes Go flag spellings (-x v, --x=v, a bare boolean) and lets them win over the environment', () => {
    const config = parseExecutorConfig(
      ['-data-dir', '/d', '--listen-addr=127.0.0.1:5758', '-enable-sidecar-mode', '--main-container-name', 'box', '-log-dir=/l', '-log-max-size', '5'],
      { DATA_DIR: '/env', MAIN_CONTAINER_NAME: 'env' },
    );
    expect(config).toMatchObject({ dataDir: '/d', listen: { host: '127.0.0.1', port: 5758 }, sidecarMode: true, mainContainerName: 'box' });
    expect(parseExecutorConfig(['-enable-sidecar-mode=false'], { ENABLE_SIDECAR_MODE: 'true' }).sidecarMode).toBe(false);
    expect(parseExecutorConfig(['--listen-addr', '[::1]:80'], {}).listen).toEqual({ host: '::1', port: 80 });
  });

  it.each([
    [[], { LISTEN_ADDR: '5758' }, /^LISTEN_ADDR \(-listen-addr\): expected host:port.*got "5758"/],
    [['-listen-addr', 'h:70000'], {}, /^LISTEN_ADDR \(-listen-addr\).*got "h:70000"/],
    [[], { ENABLE_SIDECAR_MODE: 'yes' }, /^ENABLE_SIDECAR_MODE \(-enable-sidecar-mode\): expected true or false, got "yes"/],
    [['-log-max-age', 'week'], {}, /^-log-max-age: expected a non-negative integer, got "week"/],
    [['-data-dir='], {}, /^DATA_DIR \(-data-dir\): must not be empty/],
    [['-reconcile-interval', '1s'], {}, /^unknown flag -reconcile-interval/],
    [['-data-dir'], {}, /^flag needs an argument: -data-dir/],
    [['serve'], {}, /^unexpected argument "serve"/],
  ] as const)('refuses %j %j naming the key', (argv, env, message) => {
    expect(() => parseExecutorConfig(argv, env)).toThrow(ConfigError);
    expect(() => parseExecutorConfig(argv, env)).toThrow(message);
  });
});
