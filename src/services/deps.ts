// What every service receives: the database pool, the clock and a logger (never Fastify).
import type { Pool } from 'pg';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';

export interface Log {
  info: (obj: unknown, msg?: string) => void;
  warn: (obj: unknown, msg?: string) => void;
  error: (obj: unknown, msg?: string) => void;
}

export interface ServiceDeps {
  db: Pool;
  clock: Clock;
  log: Log;
  config: Config;
}
