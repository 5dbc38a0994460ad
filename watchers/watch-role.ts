// The `watch` role assembled on its informers: the BatchSandbox and SandboxSnapshot controllers, the
// pool signaler and the handles on the pause/resume/snapshot and tasks workflows. One assembly for the operator
// process and for the in-process operator of the integration tests.
import type { Client } from '@temporalio/client';
import { repeat, type Clock } from '../kernel/clock.js';
import { createEventRecorder, type KubeEventRecorder } from '../kernel/events.js';
import type { KubeClients } from '../kernel/kube-clients.js';
import type { Logger } from '../kernel/logger.js';
import type { AssignProfile } from '../planners/auto-assign/assign-plugins.js';
import { BatchSandboxController } from './batch-sandbox-controller.js';
import { TemporalLifecycleWorkflows, type LifecycleDeadlines, type LifecycleWorkflows } from './lifecycle-workflows.js';
import type { OperatorInformers } from './operator-informers.js';
import { POOL_WAKE_INTERVAL_MS, PoolSignaler } from './pool-signaler.js';
import { SnapshotController } from './snapshot-controller.js';
import { TemporalTaskWorkflows } from './task-workflows.js';

export interface WatchRoleOptions {
  clients: Pick<KubeClients, 'core' | 'customObjects' | 'batch'>;
  informers: OperatorInformers;
  client: Client;
  /** The client shares its NativeConnection with this process's worker: starts may be eager. */
  eagerStart?: boolean;
  taskQueue: string;
  deadlines: LifecycleDeadlines;
  log: Logger;
  clock: Clock;
  assignProfile?: () => AssignProfile;
  /** The controllers (default); without them only pool workflows are signalled (pool-only tests). */
  controllers?: boolean;
}

export interface WatchRole {
  poolSignaler: PoolSignaler;
  /** Subscribes to the informers: call before starting them so their initial lists are reconciled. */
  start(): void;
  /** Stops the controllers and waits for signals and Events in flight. */
  stop(): Promise<void>;
}

export function createWatchRole(opts: WatchRoleOptions): WatchRole {
  const { clients, informers, client, taskQueue, log, clock } = opts;
  const poolSignaler = new PoolSignaler({ client, taskQueue, informers, log });
  let events: KubeEventRecorder | undefined;
  let controllers: { batchSandboxes: BatchSandboxController; snapshots: SnapshotController; lifecycle: LifecycleWorkflows } | undefined;
  if (opts.controllers ?? true) {
    const { core, customObjects } = clients;
    events = createEventRecorder({ core, log, clock });
    const lifecycle = new TemporalLifecycleWorkflows({ client, taskQueue, deadlines: opts.deadlines, eagerStart: opts.eagerStart ?? false, log });
    controllers = {
      lifecycle,
      batchSandboxes: new BatchSandboxController({
        assignProfile: opts.assignProfile,
        informers,
        lifecycle,
        tasks: new TemporalTaskWorkflows({ client, taskQueue, log }),
        customObjects,
        core,
        events,
        log,
        clock,
      }),
      snapshots: new SnapshotController({
        informers,
        customObjects,
        batch: clients.batch,
        lifecycle,
        events,
        log,
        clock,
      }),
    };
  }
  let stopWaking: (() => void) | undefined;
  return {
    poolSignaler,
    start: () => {
      controllers?.batchSandboxes.start();
      controllers?.snapshots.start();
      stopWaking = repeat(clock, POOL_WAKE_INTERVAL_MS, () => poolSignaler.wakeAll());
    },
    stop: async () => {
      stopWaking?.();
      await controllers?.batchSandboxes.stop();
      await controllers?.snapshots.stop();
      await controllers?.lifecycle.idle();
      await events?.flush();
      await poolSignaler.idle();
    },
  };
}
