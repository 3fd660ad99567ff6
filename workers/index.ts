// The worker role: builds the same dependencies as the API and runs the background work.
// For now: housekeeping (expired idempotency keys, old login/lookup failures, dead sessions).
import pg from 'pg';
import type { Redis } from 'ioredis';
import type { Config } from '../src/config.js';
import type { Clock } from '../src/clock.js';
import type { Log } from '../src/services/deps.js';
import { housekeeping } from './housekeeping.processor.js';

export interface WorkerDeps {
  config: Config & { DATABASE_URL: string };
  clock: Clock;
  redis: Redis | null;
  log: Log;
}

export interface Workers {
  close: () => Promise<void>;
}

const HOUSEKEEPING_EVERY_MS = 10 * 60 * 1000;

export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const pool = new pg.Pool({ connectionString: deps.config.DATABASE_URL, max: 10 });
  pool.on('error', (err) => deps.log.warn({ err: err.message }, 'idle Postgres client error'));
  const services = { db: pool, clock: deps.clock, log: deps.log, config: deps.config };
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = housekeeping(services).catch((err) => deps.log.error({ err }, 'housekeeping failed'));
  };
  tick();
  const timer = setInterval(tick, HOUSEKEEPING_EVERY_MS);
  timer.unref();
  return {
    close: async () => {
      clearInterval(timer);
      await running;
      await pool.end();
    },
  };
}
