// What every service receives: the database pool, the clock and a logger (never Fastify).
import type { Pool } from 'pg';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Log } from '../logging.js';

export type { Log };

export interface ServiceDeps {
  db: Pool;
  clock: Clock;
  log: Log;
  config: Config;
}
