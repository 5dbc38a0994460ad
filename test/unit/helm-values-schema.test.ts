// The chart's values.schema.json against the operator's own configuration checks (config/operator-config.ts):
// helm rejects a value the schema refuses before anything is installed, so the schema must never refuse
// a value the operator takes, and should refuse what the operator would exit on in a crash-looping pod.
// Each value is tried both ways on the environment variable the chart's Deployment passes it in.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../config/operator-config.js';

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  definitions?: Record<string, Schema>;
  $ref?: string;
}

const CHART_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'charts', 'opensandbox-operator');
const schema = JSON.parse(readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8')) as Schema;

function resolve(node: Schema): Schema {
  if (node.$ref === undefined) return node;
  const name = node.$ref.replace('#/definitions/', '');
  return { ...schema.definitions![name]!, ...node, $ref: undefined };
}

/** The schema of a value by its dotted path (`temporal.address`). */
function schemaOf(valuePath: string): Schema {
  return valuePath.split('.').reduce<Schema>((node, key) => {
    const child = resolve(node).properties?.[key];
    if (child === undefined) throw new Error(`values.schema.json has no ${valuePath}`);
    return resolve(child);
  }, schema);
}

/** The keywords the chart's schema uses on scalars. Patterns are written for both Go (helm) and JavaScript. */
function schemaAccepts(valuePath: string, value: string | number): boolean {
  const node = schemaOf(valuePath);
  if (node.enum !== undefined) return node.enum.includes(value);
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= (node.minimum ?? -Infinity) && value <= (node.maximum ?? Infinity);
  }
  return node.pattern === undefined || new RegExp(node.pattern, 'u').test(value);
}

function operatorAccepts(env: Record<string, string>): boolean {
  try {
    loadConfig([], { HOME: '/home/op', ...env }, { isFile: () => true, readText: () => 'token' });
    return true;
  } catch (err) {
    if (err instanceof ConfigError) return false;
    throw err;
  }
}

function operatorProblem(env: Record<string, string>): string {
  try {
    loadConfig([], { HOME: '/home/op', ...env }, { isFile: () => true, readText: () => 'token' });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`expected the operator to refuse ${JSON.stringify(env)}`);
}

describe('values.schema.json', () => {
  it('offers exactly the log levels the operator accepts', () => {
    const listed = /expected one of (.*), got/.exec(operatorProblem({ LOG_LEVEL: 'loud' }))?.[1]?.split(', ');
    expect(listed).toBeDefined();
    expect(schemaOf('logLevel').enum).toEqual(listed);
  });

  it('accepts every list of the roles the operator knows, and nothing else', () => {
    const roles = /expected a comma-separated list of (.*), got/.exec(operatorProblem({ OPERATOR_ROLES: 'both' }))?.[1]?.split(', ');
    expect(roles).toEqual(['watch', 'work']);
    for (const value of ['watch', 'work', 'watch,work', 'work,watch', 'watch, work', 'both', 'watch,', ',work', 'watch;work', 'Watch']) {
      const operator = operatorAccepts({ OPERATOR_ROLES: value });
      expect({ value, schema: schemaAccepts('roles', value) }).toEqual({ value, schema: operator });
    }
  });

  // Samples on both sides of each check; `env` is what the Deployment sets from the value.
  const cases: { value: string; env: (v: string) => Record<string, string>; samples: string[] }[] = [
    {
      value: 'watchNamespace',
      env: (v) => ({ WATCH_NAMESPACE: v }),
      samples: ['', 'sandboxes', 'team-a', 'Team', '-a', 'a.b', 'a'.repeat(63), 'a'.repeat(64)],
    },
    {
      value: 'temporal.address',
      env: (v) => ({ TEMPORAL_ADDRESS: v }),
      samples: [
        'temporal-frontend.temporal:7233',
        '10.0.0.1:7233',
        '[::1]:7233',
        'temporal:1',
        'temporal:65535',
        'temporal:65536',
        'temporal:0',
        'temporal',
        ':7233',
        'http://temporal:7233',
        'temporal:port',
      ],
    },
    { value: 'temporal.namespace', env: (v) => ({ TEMPORAL_NAMESPACE: v }), samples: ['default', 'team.prod-1', 'my_ns', '-x', 'a b'] },
    { value: 'temporal.taskQueue', env: (v) => ({ TEMPORAL_TASK_QUEUE: v }), samples: ['opensandbox-operator', 'q.1', 'a b'] },
    { value: 'temporal.tls.serverName', env: (v) => ({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: v }), samples: ['temporal.example.com', 'a b'] },
    {
      value: 'snapshot.registry',
      env: (v) => ({ SNAPSHOT_REGISTRY: v }),
      samples: [
        '',
        'registry.example.com',
        'localhost:5000',
        'ghcr.io/org/snapshots',
        'https://registry.example.com',
        'registry.example.com/Snaps',
        'registry.example.com/snaps:v1',
      ],
    },
    { value: 'snapshot.pushSecret', env: (v) => ({ SNAPSHOT_PUSH_SECRET: v }), samples: ['snapshot-push', 'push.secret', 'Push', 'push_secret'] },
    { value: 'snapshot.resumePullSecret', env: (v) => ({ RESUME_PULL_SECRET: v }), samples: ['pull', 'Pull'] },
    {
      value: 'snapshot.committerImage',
      env: (v) => ({ IMAGE_COMMITTER_IMAGE: v }),
      samples: ['image-committer:dev', 'ghcr.io/org/committer:v1', `registry:5000/c@sha256:${'a'.repeat(64)}`, 'Committer', 'a b', 'committer:'],
    },
    {
      value: 'snapshot.containerdSocketPath',
      env: (v) => ({ CONTAINERD_SOCKET_PATH: v }),
      samples: ['/run/containerd/containerd.sock', 'run/containerd.sock', '/a b'],
    },
    // Below the default pause timeout (15m), which must exceed it.
    { value: 'snapshot.commitJobTimeout', env: (v) => ({ COMMIT_JOB_TIMEOUT: v }), samples: ['90s', '5m', '1m30s', '10', 'ten', '-5m', '5 m'] },
    // Above the default commit Job timeout (10m).
    { value: 'snapshot.pauseTimeout', env: (v) => ({ PAUSE_TIMEOUT: v }), samples: ['20m', '1h', '1.5h', '2h30m', '15', 'm'] },
    { value: 'snapshot.resumeTimeout', env: (v) => ({ RESUME_TIMEOUT: v }), samples: ['10m', '500ms', '90s', '1d', '10 m'] },
    {
      value: 'taskExecutorUrl',
      env: (v) => ({ TASK_EXECUTOR_URL: v }),
      samples: ['', 'http://{podIP}:5758', 'https://{pod}.{namespace}.svc:5758/run', 'http://10.0.0.1:5758', 'ftp://{podIP}:21', '{podIP}:5758'],
    },
  ];
  it.each(cases)('accepts what the operator accepts for $value, and refuses what it refuses', ({ value, env, samples }) => {
    for (const sample of samples) {
      expect({ sample, schema: schemaAccepts(value, sample) }).toEqual({ sample, schema: operatorAccepts(env(sample)) });
    }
  });

  it('takes the http ports a Service and a probe can use, all of which the operator takes', () => {
    for (const port of [1, 8081, 65535]) {
      expect({ port, schema: schemaAccepts('httpPort', port), operator: operatorAccepts({ OPERATOR_HTTP_ADDRESS: `:${port}` }) }).toEqual({
        port,
        schema: true,
        operator: true,
      });
    }
    for (const port of [0, 65536, 8081.5]) expect({ port, schema: schemaAccepts('httpPort', port) }).toEqual({ port, schema: false });
  });
});
