// Builds the real app on a fresh test database (connected as the application role; ctx.db.pool is
// the owner's, for setup) and the real Redis (its own key prefix), and signs staff in through the
// real login route.
import type { FastifyBaseLogger, FastifyInstance, LightMyRequestResponse, RouteOptions } from 'fastify';
import type { Test } from 'tap';
import { Redis } from 'ioredis';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { createRequestRedis } from '../../src/resilience.js';
import { loadConfig } from '../../src/config.js';
import { createUser } from '../../src/services/users.service.js';
import type { Role } from '../../src/domain/roles.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { createTestDb, type TestDb } from './db.js';
import { TestClock } from './clock.js';

export interface TestContext {
  app: FastifyInstance;
  db: TestDb;
  clock: TestClock;
  deps: ServiceDeps;
}

export async function setupApp(
  t: Test,
  opts: {
    clock?: TestClock;
    env?: Record<string, string>;
    logger?: FastifyBaseLogger;
    queueDashboard?: boolean;
    onRoute?: (route: RouteOptions) => void;
  } = {},
): Promise<TestContext> {
  const db = await createTestDb();
  const clock = opts.clock ?? new TestClock();
  // The real Redis, as deployed: the rate limits count there and /readyz pings it. Keys carry this
  // app's own prefix, so test files sharing the server never share a counter.
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error('REDIS_URL is not set: run the tests with `npm test` (it finds or starts a Redis)');
  const keyPrefix = `${db.name}:`;
  const redis = createRequestRedis(redisUrl, { info: () => undefined, warn: () => undefined, error: () => undefined }, { keyPrefix });
  // The app connects as the application role, so every test exercises its grants.
  // Attachments' bytes go to a directory of this test database's own, removed with the test.
  const attachmentDir = join(tmpdir(), 'hyt-attachments', db.name);
  t.teardown(() => rm(attachmentDir, { recursive: true, force: true }));
  const config = { ...loadConfig({ LOG_LEVEL: 'silent', ATTACHMENT_DIR: attachmentDir, ...opts.env }), DATABASE_URL: db.appUrl };
  // HY_TEST_LOG=debug shows the app's log while debugging a test.
  const app = await buildApp({
    config: { ...config, LOG_LEVEL: (process.env.HY_TEST_LOG as typeof config.LOG_LEVEL) ?? 'silent' },
    clock,
    redis,
    logger: opts.logger,
    queueDashboard: opts.queueDashboard,
    onRoute: opts.onRoute,
  });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await dropRedisKeys(redisUrl, keyPrefix);
    redis.disconnect();
    await db.drop();
  });
  return { app, db, clock, deps: app.deps };
}

/** Deletes the keys under `prefix` (a plain client: a prefixed one would prefix them again). */
async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const plain = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await plain.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await plain.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    plain.disconnect();
  }
}

export interface Session {
  username: string;
  cookie: string;
  csrf: string;
  headers: Record<string, string>;
}

const PASSWORD = 'correct-horse-battery';
let counter = 0;

export async function createStaff(
  ctx: TestContext,
  roles: Role[],
  departmentCode: string | null = null,
  username = `${roles.join('-')}${++counter}`,
): Promise<string> {
  await createUser(ctx.deps, 'test', { username, password: PASSWORD, displayName: `测试${username}`, roles, departmentCode });
  return username;
}

export async function login(ctx: TestContext, username: string, password = PASSWORD): Promise<Session> {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'hy_session');
  if (!cookie) throw new Error('no session cookie');
  const csrf = res.json().csrfToken as string;
  return {
    username,
    cookie: cookie.value,
    csrf,
    headers: { cookie: `hy_session=${cookie.value}`, 'x-csrf-token': csrf },
  };
}

export async function staffSession(ctx: TestContext, roles: Role[], departmentCode: string | null = null): Promise<Session> {
  return login(ctx, await createStaff(ctx, roles, departmentCode));
}

let keyCounter = 0;
export function registrationRequest(session: Session, body: unknown, key = `test-key-${Date.now()}-${++keyCounter}`) {
  return {
    method: 'POST' as const,
    url: '/api/v1/tickets',
    headers: { ...session.headers, 'idempotency-key': key },
    payload: body as Record<string, unknown>,
  };
}

export function json(res: LightMyRequestResponse): any {
  return res.json();
}
