// Dependency outages, in one place: which errors mean "Postgres is away" (the API answers 503
// DEPENDENCY_UNAVAILABLE, never 500), the request-path Redis client that fails fast instead of
// queueing commands for ever, and a log throttle so an outage is one warning per period, not one
// line per reconnect attempt.
import { Redis } from 'ioredis';
import type { Log } from './logging.js';

/** Connection-level failures (SQLSTATE classes 08 and 57P0x, socket errors, pool timeouts). */
const PG_DOWN_SQLSTATES = /^(08|57P0[1-4]|53300)/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN', 'ENETUNREACH']);
const PG_DOWN_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
  'the database system is starting up',
  'the database system is shutting down',
  'terminating connection',
];

export function isDependencyDown(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (PG_DOWN_SQLSTATES.test(e.code) || SOCKET_CODES.has(e.code))) return true;
  if (typeof e.message === 'string' && PG_DOWN_MESSAGES.some((m) => (e.message as string).includes(m))) return true;
  // AggregateError (e.g. ECONNREFUSED on both ::1 and 127.0.0.1) and wrapped causes.
  if (Array.isArray(e.errors) && e.errors.some(isDependencyDown)) return true;
  return e.cause !== undefined && e.cause !== err && isDependencyDown(e.cause);
}

/**
 * A warn function that logs the first occurrence, then at most once per `everyMs` with the number
 * of occurrences suppressed in between (a reconnect loop would otherwise write a line every 200 ms).
 */
export function throttledWarn(log: Log, what: string, everyMs = 30_000): (err: unknown, msg: string) => void {
  let last = 0;
  let suppressed = 0;
  return (err, msg) => {
    const now = Date.now();
    if (now - last < everyMs) {
      suppressed++;
      return;
    }
    last = now;
    const reason = err instanceof Error ? err.message || (err as { code?: string }).code : String(err);
    log.warn({ dependency: what, err: reason, suppressed }, msg);
    suppressed = 0;
  };
}

/** Bounds a promise: rejects after `ms` (readiness checks must answer within 2 s whatever hangs). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The Redis client of the request path (rate limits, readiness): while Redis is away a command
 * fails at once (no offline queue, one retry) instead of hanging the request; the client keeps
 * reconnecting in the background (every ≤ 2 s) and its errors are logged, throttled, as JSON.
 * `keyPrefix` keeps apart the test apps that share one Redis.
 */
export function createRequestRedis(url: string, log: Log, opts: { keyPrefix?: string } = {}): Redis {
  const redis = new Redis(url, {
    ...opts,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1500,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  const warn = throttledWarn(log, 'redis (request path)');
  redis.on('error', (err) => warn(err, 'Redis unavailable; rate limits fall back to this process'));
  return redis;
}
