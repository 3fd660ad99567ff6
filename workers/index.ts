// The worker role: builds the same dependencies as the API, relays the outbox into the queues and
// runs one BullMQ worker per queue (Redis when REDIS_URL is set, else BullMQ's PostgreSQL backend).
// close() stops taking jobs and waits for the running ones (SIGTERM drains).
import { createPool } from '../src/db/pool.js';
import type { Config } from '../src/config.js';
import type { Clock } from '../src/clock.js';
import type { Log } from '../src/services/deps.js';
import { createQueueKit, type QueueKit } from '../src/queue/backend.js';
import { prepareQueueSchema } from '../src/db/queue-schema.js';
import { QUEUE_NAMES } from '../src/queue/names.js';
import { startRelay, type Relay } from '../src/queue/relay.js';
import { markDone } from '../src/db/outbox.repository.js';
import { throttledWarn } from '../src/resilience.js';
import { createNotifier, type Notifier } from '../src/services/notifier.js';
import { housekeeping } from './housekeeping.processor.js';
import { checkpointKey } from '../src/services/audit.service.js';
import { processors } from './processors.js';
import { startSweeper, type Sweeper } from './sweeper.js';
import { startHeartbeat } from './heartbeat.js';

export interface WorkerDeps {
  config: Config & { DATABASE_URL: string };
  clock: Clock;
  log: Log;
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
  if (!deps.config.REDIS_URL) {
    // BullMQ's PostgreSQL schema is DDL the application role may not run: the owner (when its URL
    // is given, as the tests do) prepares it; otherwise the migration step already has.
    await prepareQueueSchema({ ownerUrl: deps.config.MIGRATION_DATABASE_URL ?? deps.config.DATABASE_URL, appUrl: deps.config.DATABASE_URL, prefix });
  }
  const pool = createPool(deps.config.DATABASE_URL, deps.log, 'workers', { max: 10 });
  const services = {
    db: pool,
    clock: deps.clock,
    log: deps.log,
    config: deps.config,
    notifier: deps.notifier ?? createNotifier(deps.config),
  };
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
      await handlers[name](payload, job);
      await markDone(pool, job.id, deps.clock.now());
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
