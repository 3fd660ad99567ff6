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

/**
 * Session settings of every connection. work_mem 16 MB (Postgres's default is 4 MB): the staff
 * search's bigram lookups (src/db/ticket-list.repository.ts) stay exact bitmaps up to 100 000
 * rows; at 4 MB a 98 000-row bitmap went lossy at 3 000 000 tickets and every row of a lossy page
 * had its bigrams recomputed (1.4 s instead of 0.12 s). A sort or hash may take 16 MB per
 * connection: 20 API + 10 worker connections stay far below this machine's memory.
 */
export const SESSION_OPTIONS = '-c work_mem=16MB';

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
    options: SESSION_OPTIONS,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? POOL_CONNECT_TIMEOUT_MS,
  });
  return guardPool(pool, log, name);
}
