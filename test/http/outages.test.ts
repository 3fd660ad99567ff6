// Dependency outages (issue 10): Redis away → the public routes and /readyz still answer within
// 2 s and rate limits fall back to this process; Postgres away → 503 DEPENDENCY_UNAVAILABLE with a
// Chinese message, never 500; a connection the server kills mid-transaction is survived.
import t from 'tap';
import net from 'node:net';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { withTx } from '../../src/db/tx.js';
import { createRequestRedis, isDependencyDown } from '../../src/resilience.js';
import { createTestDb } from '../helpers/db.js';
import { TestClock } from '../helpers/clock.js';
import { json } from '../helpers/app.js';
import { generateTicketNo } from '../../src/domain/ticket-number.js';

const NO = generateTicketNo(new Date('2026-11-25T02:00:00Z'), '123456');

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const v = await fn();
  return [v, Date.now() - started];
}

t.test('Redis away: readiness, public lookup and rate limits keep answering', async (t) => {
  const db = await createTestDb();
  const redis = createRequestRedis(`redis://127.0.0.1:${await closedPort()}`, quiet);
  const config = { ...loadConfig({ LOG_LEVEL: 'silent', PUBLIC_LOOKUP_RATE_LIMIT: '3' }), DATABASE_URL: db.url };
  const app = await buildApp({ config, clock: new TestClock(), redis, logger: false });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    redis.disconnect();
    await db.drop();
  });

  const [ready, readyMs] = await timed(() => app.inject({ method: 'GET', url: '/readyz' }));
  t.equal(ready.statusCode, 503);
  t.same(json(ready).unavailable, ['redis'], '/readyz names the dependency');
  t.equal(json(ready).checks.postgres, 'ok');
  t.ok(readyMs <= 2000, `/readyz answered in ${readyMs} ms`);

  const lookup = (i: number) => app.inject({ method: 'GET', url: `/api/v1/public/tickets/${NO}?verify=1234`, remoteAddress: '10.0.0.9', headers: { 'x-i': String(i) } });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [res, ms] = await timed(() => lookup(i));
    t.ok(ms <= 2000, `public lookup ${i + 1} answered in ${ms} ms`);
    statuses.push(res.statusCode);
  }
  t.ok(statuses.slice(0, 3).every((s) => s === 404), `first three answered normally (${statuses.join(', ')})`);
  t.equal(statuses[3], 429, 'the limit still holds, counted in this process');
});

t.test('Postgres away: every route answers 503 DEPENDENCY_UNAVAILABLE in Chinese', async (t) => {
  const url = `postgres://postgres@127.0.0.1:${await closedPort()}/nowhere`;
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), DATABASE_URL: url };
  const app = await buildApp({ config, clock: new TestClock(), redis: null, logger: false });
  await app.ready();
  t.teardown(() => app.close());

  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'whatever-it-is' } });
  t.equal(login.statusCode, 503);
  t.equal(json(login).code, 'DEPENDENCY_UNAVAILABLE');
  t.match(json(login).message, /稍后重试/);
  t.ok(json(login).requestId);

  const lookup = await app.inject({ method: 'GET', url: `/api/v1/public/tickets/${NO}?verify=1234` });
  t.equal(lookup.statusCode, 503);

  const page = await app.inject({
    method: 'POST', url: '/track', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `no=${NO}&verify=1234`,
  });
  t.equal(page.statusCode, 503, 'the /track page says the service is away');
  t.match(page.headers['content-type'], /text\/html/);

  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.same(json(ready).unavailable, ['postgres']);
});

t.test('a connection killed mid-transaction is an error of that call, not of the process', async (t) => {
  const db = await createTestDb();
  const pool = createPool(db.url, quiet, 'test', { max: 2 });
  t.teardown(async () => {
    await pool.end();
    await db.drop();
  });
  const err = await withTx(pool, async (tx) => {
    await tx.query('SELECT 1');
    await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
  }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err, 'the transaction failed');
  t.ok(isDependencyDown(err), `classified as a dependency outage (${(err as Error).message})`);
  // Let the dying socket emit its error event: with no listener it would be an uncaught exception.
  await new Promise((r) => setTimeout(r, 200));
  const { rows } = await withTx(pool, (tx) => tx.query('SELECT 2 AS n'));
  t.equal(rows[0].n, 2, 'the pool hands out a working client afterwards');
});
