// Routes the Temporal SDK's own logs (worker lifecycle, core, workflow `log`) into the operator's
// pino logger, so the process writes one JSON log format.
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/worker';
import type { Logger } from '../kernel/logger.js';

const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

export function temporalLogger(log: Logger): TemporalLogger {
  const write = (level: LogLevel, message: string, meta: LogMetadata = {}) => {
    // The SDK passes errors as `error`; pino only serialises them (message, stack) under `err`.
    const { error, ...rest } = meta;
    log[PINO_LEVEL[level]]({ ...rest, ...(error !== undefined && { err: error }) }, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
