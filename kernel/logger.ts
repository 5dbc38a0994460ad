// JSON logs in the Kubernetes style: a constant message, and the object a line is about as
// separate `kind`/`namespace`/`name` keys, so log queries can filter on them.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { KubernetesObject } from '@kubernetes/client-node';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { component: 'opensandbox-operator' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names rather than pino's numbers: what humans and most log pipelines expect.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

export interface ObjectLogFields {
  kind: string | undefined;
  namespace: string | undefined;
  name: string | undefined;
}

/** `{kind, namespace, name}` of an object; pass `kind` for objects from a typed list that lost theirs. */
export function objectLogFields(obj: KubernetesObject, kind = obj.kind): ObjectLogFields {
  return { kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name };
}
