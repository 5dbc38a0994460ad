// The executor's log: JSON lines on stdout (pino), where the kubelet keeps a container's output. Upstream
// writes klog lines to a rotated file (lumberjack, `-log-dir`); a file inside the container would need its
// own rotation and be lost with it, while stdout is what `kubectl logs` and log collectors read.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createExecutorLogger(): Logger {
  return pino(
    {
      level: 'info',
      base: { component: 'task-executor' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
