// The task-executor's settings (spec §3.1): environment variables, then command-line flags in Go's `flag`
// syntax (`-data-dir x`, `--data-dir=x`, a bare boolean `-enable-sidecar-mode`), flags winning, as
// upstream's executor reads them. An invalid value fails the start with an error naming the key.
// Upstream writes its logs to `<log-dir>/task-executor.log` through lumberjack (size, backups, age); this
// executor logs JSON lines to stdout instead, where the kubelet keeps container logs, so the `-log-*` flags
// are accepted for compatibility and otherwise ignored.
import { z } from 'zod';

export interface ListenAddress {
  /** undefined = every interface (the Go `:5758` form). */
  host: string | undefined;
  port: number;
}

export interface ExecutorConfig {
  dataDir: string;
  listen: ListenAddress;
  /** Upstream's container runtime socket; read, never used (container tasks are a placeholder there too). */
  criSocket: string;
  sidecarMode: boolean;
  mainContainerName: string;
  /** HTTP read and write timeouts (30 s, no setting upstream). */
  httpTimeoutMs: number;
  /** How often every task is inspected (500 ms, no setting upstream). */
  reconcileIntervalMs: number;
}

export class ConfigError extends Error {}

interface Key {
  env?: string;
  flag: string;
  boolean?: boolean;
}

const KEYS = {
  dataDir: { env: 'DATA_DIR', flag: 'data-dir' },
  listenAddr: { env: 'LISTEN_ADDR', flag: 'listen-addr' },
  criSocket: { env: 'CRI_SOCKET', flag: 'cri-socket' },
  enableSidecarMode: { env: 'ENABLE_SIDECAR_MODE', flag: 'enable-sidecar-mode', boolean: true },
  mainContainerName: { env: 'MAIN_CONTAINER_NAME', flag: 'main-container-name' },
  logDir: { flag: 'log-dir' },
  logMaxSize: { flag: 'log-max-size' },
  logMaxBackups: { flag: 'log-max-backups' },
  logMaxAge: { flag: 'log-max-age' },
} as const satisfies Record<string, Key>;
type KeyName = keyof typeof KEYS;

/** Go's strconv.ParseBool spellings. */
const goBool = z
  .enum(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'], { message: 'expected true or false' })
  .transform((s) => ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s));

const listenAddr = z.string().transform((value, ctx): ListenAddress => {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    ctx.addIssue({ code: 'custom', message: 'expected host:port or :port with a port of 0-65535' });
    return z.NEVER;
  }
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? undefined : host, port };
});

const nonNegativeInt = z.string().regex(/^\d+$/, 'expected a non-negative integer').transform(Number);

const schema = z.object({
  dataDir: z.string().min(1, 'must not be empty').default('/var/lib/sandbox/tasks'),
  listenAddr: listenAddr.default({ host: '0.0.0.0', port: 5758 }),
  criSocket: z.string().default('/var/run/containerd/containerd.sock'),
  enableSidecarMode: goBool.default(false),
  mainContainerName: z.string().min(1, 'must not be empty').default('main'),
  logDir: z.string().default('logs'),
  logMaxSize: nonNegativeInt.default(100),
  logMaxBackups: nonNegativeInt.default(10),
  logMaxAge: nonNegativeInt.default(7),
});

const KEY_BY_FLAG = new Map<string, KeyName>(Object.entries(KEYS).map(([name, key]) => [key.flag, name as KeyName]));

function describeKey(name: KeyName): string {
  const key: Key = KEYS[name];
  return key.env ? `${key.env} (-${key.flag})` : `-${key.flag}`;
}

/** Go `flag` parsing: `-name`, `--name`, `=value` or the next argument; `--` ends the flags. */
function parseFlags(argv: readonly string[]): Partial<Record<KeyName, string>> {
  const values: Partial<Record<KeyName, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      if (i + 1 < argv.length) throw new ConfigError(`unexpected argument ${JSON.stringify(argv[i + 1])}`);
      break;
    }
    const match = /^--?([^=-][^=]*)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)} (settings are -flag value or -flag=value)`);
    const [, flag, inline] = match;
    const name = KEY_BY_FLAG.get(flag!);
    if (name === undefined) throw new ConfigError(`unknown flag -${flag} (known: ${[...KEY_BY_FLAG.keys()].map((f) => `-${f}`).join(', ')})`);
    if (inline !== undefined) values[name] = inline;
    else if ((KEYS[name] as Key).boolean) values[name] = 'true';
    else if (i + 1 < argv.length) values[name] = argv[++i]!;
    else throw new ConfigError(`flag needs an argument: -${flag}`);
  }
  return values;
}

/** The settings from `env` and `argv` (the arguments after the program); throws ConfigError naming the bad key. */
export function parseExecutorConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ExecutorConfig {
  const raw: Partial<Record<KeyName, string>> = {};
  for (const [name, key] of Object.entries(KEYS) as [KeyName, Key][]) {
    // An empty variable is unset, as upstream's `os.Getenv(...) != ""`.
    const value = key.env ? env[key.env] : undefined;
    if (value !== undefined && value !== '') raw[name] = value;
  }
  Object.assign(raw, parseFlags(argv));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path[0] as KeyName;
    throw new ConfigError(`${describeKey(name)}: ${issue.message}, got ${JSON.stringify(raw[name])}`);
  }
  const c = parsed.data;
  return {
    dataDir: c.dataDir,
    listen: c.listenAddr,
    criSocket: c.criSocket,
    sidecarMode: c.enableSidecarMode,
    mainContainerName: c.mainContainerName,
    httpTimeoutMs: 30_000,
    reconcileIntervalMs: 500,
  };
}
