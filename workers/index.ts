// The worker role: builds the same dependencies as the API, relays the outbox into the queues and
// runs one BullMQ worker per queue (Redis when REDIS_URL is set, else BullMQ's PostgreSQL backend).
// close() stops taking jobs and waits for the running ones (SIGTERM drains).
import type { Config } from '../src/config.js';
import type { Clock } from '../src/clock.js';
import type { Log } from '../src/services/deps.js';
import { createQueueKit, type QueueKit } from '../src/queue/backend.js';
import { QUEUE_NAMES } from '../src/queue/names.js';
import { startRelay, type Relay } from '../src/queue/relay.js';
import { jobDone } from '../src/services/outbox.service.js';
import { createShared, openWorkerPool, serviceDeps, type Shared } from '../src/runtime.js';
import { throttledWarn } from '../src/resilience.js';
import type { Notifier } from '../src/services/notifier.js';
import { housekeeping } from '../src/services/housekeeping.service.js';
import { checkpointKey } from '../src/services/audit.service.js';
import { processors, runJob } from './processors.js';
import { startSweeper, type Sweeper } from './sweeper.js';
import { startHeartbeat } from './heartbeat.js';

export interface WorkerDeps {
  config: Config & { DATABASE_URL: string };
  clock: Clock;
  log: Log;
  /** What this process built once (main.ts: shared with the API); by default a set of its own. */
  shared?: Shared;
  /** Replaces the shared notifier (tests). */
  notifier?: Notifier;
  /** Queue namespace (tests use one per file). */
  queuePrefix?: string;
  relayIntervalMs?: number;
  sweepEveryMs?: number;
}

export interface Workers {
  kit: QueueKit;
  relay: Relay;
  sweeper: Sweeper;
  close: () => Promise<void>;
}

const HOUSEKEEPING_EVERY_MS = 10 * 60 * 1000;

async function scheduleNotices(kit: QueueKit, log: Log): Promise<void> {
  try {
    await kit.cron('notices', 'notice-draft', '0 2 1 * *');
    await kit.cron('notices', 'notice-publish', '0 9 3 * *');
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not register the notice schedule; the sweeper tick covers it');
  }
}
export const SWEEP_EVERY_MS = 30_000;

function throttledWarnOf(log: Log): (err: Error) => void {
  const warn = throttledWarn(log, 'queues');
  return (err) => warn(err, 'queue connection error; workers pause and resume when it is back');
}

export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const prefix = deps.queuePrefix ?? deps.config.QUEUE_PREFIX;
  const pool = await openWorkerPool(deps.config, deps.log, prefix);
  const shared = createShared(deps.config, { ...deps.shared, ...(deps.notifier ? { notifier: deps.notifier } : {}) });
  const services = serviceDeps({ db: pool, clock: deps.clock, log: deps.log, config: deps.config }, shared);
  const kit = createQueueKit({
    redisUrl: deps.config.REDIS_URL,
    databaseUrl: deps.config.DATABASE_URL,
    prefix,
    lockDurationMs: deps.config.QUEUE_LOCK_MS,
    onError: throttledWarnOf(deps.log),
  });
  const handlers = processors(services);
  // A job is done when its processor returned: its outbox rows are marked so, and the reconciler
  // republishes any row whose job never got there (a Redis flush, a lost delayed job).
  for (const name of QUEUE_NAMES) {
    kit.work(name, async (payload, job) => {
      await runJob(handlers, name, payload, job);
      await jobDone(services, job.id);
    });
  }
  const sweeper = startSweeper(services, deps.sweepEveryMs ?? SWEEP_EVERY_MS);
  // The monthly notice (SPEC §8): draft at 02:00 on the 1st, publish at 09:00 on the 3rd. The
  // sweeper runs the same idempotent tick as a backstop, so a lost scheduler loses nothing.
  // Not awaited: with Redis away at start the upsert waits for it, and nothing else should.
  void scheduleNotices(kit, deps.log);
  const heartbeat = deps.config.HEARTBEAT_FILE ? startHeartbeat(deps.config.HEARTBEAT_FILE) : null;
  const relay = startRelay(services, kit, {
    intervalMs: deps.relayIntervalMs,
    reconcileGraceMs: deps.config.QUEUE_RECONCILE_MS,
    onPass: heartbeat?.beat,
  });

  let sweeping: Promise<unknown> = Promise.resolve();
  const tick = () => {
    sweeping = housekeeping(services).catch((err) => deps.log.error({ err }, 'housekeeping failed'));
  };
  tick();
  const timer = setInterval(tick, HOUSEKEEPING_EVERY_MS);
  timer.unref();
  deps.log.info({ backend: kit.backend }, 'workers started');
  if (!checkpointKey(deps.config)) {
    deps.log.warn({}, 'neither AUDIT_CHECKPOINT_KEY nor SESSION_SECRET is set: the daily audit checkpoints are written unsigned');
  }

  return {
    kit,
    relay,
    sweeper,
    close: async () => {
      heartbeat?.stop();
      clearInterval(timer);
      await sweeper.stop();
      await relay.stop();
      await kit.close();
      await sweeping;
      await pool.end();
    },
  };
}
