// The one way to open a Postgres pool (API, workers, CLI, bootstrap) so that a Postgres restart
// never takes the process down: every client the pool creates gets an `error` listener at birth
// (a checked-out client has none otherwise, and its `error` event would be an uncaught exception),
// connecting times out instead of waiting forever, and a dead client is logged once, not thrown.
import pg from 'pg';
import type { Log } from '../logging.js';
import { throttledWarn } from '../resilience.js';

export interface PoolOptions {
  max?: number;
  /** How long pool.connect() waits for a server before failing (the request then answers 503). */
  connectionTimeoutMillis?: number;
}

export const POOL_CONNECT_TIMEOUT_MS = 5000;

/** Adds the listeners to a pool built elsewhere (@fastify/postgres builds its own). */
export function guardPool(pool: pg.Pool, log: Log, name: string): pg.Pool {
  const warn = throttledWarn(log, `postgres (${name})`);
  pool.on('error', (err) => warn(err, 'idle Postgres client lost its connection'));
  pool.on('connect', (client) => {
    client.on('error', (err) => warn(err, 'Postgres client lost its connection'));
  });
  return pool;
}

export function createPool(url: string, log: Log, name: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? POOL_CONNECT_TIMEOUT_MS,
  });
  return guardPool(pool, log, name);
}
