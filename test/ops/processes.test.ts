// The server as an operator runs it (SPEC §7, §11): the compiled entry point `node dist/src/main.js`
// (what `npm start` execs; test/ops/start.test.ts covers npm itself and the first start) as real
// processes on a real database:
// - all-in-one (the default role): /readyz, the start log's warning of a missing holiday calendar,
//   the workers in the same process, SIGTERM → exit 0;
// - `--role api`: HTTP only; SIGTERM stops taking connections but lets an in-flight request finish
//   (drain) before exit 0; then `--role worker` alone picks up what the API left in the outbox;
// - two `npm run migrate` (`node dist/src/cli.js migrate`) at once on a fresh database;
// - bad configuration: one line per bad variable, a non-zero exit, no stack trace.
import { buildDist, readLogLines, type LogLine } from '../helpers/processes.js';
import { serviceDeps } from '../../src/runtime.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { createUser } from '../../src/services/users.service.js';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/clock.js';
import { urlAs } from '../../src/db/roles.js';
import { DEFAULT_DEPARTMENTS } from '../../src/services/default-catalogue.js';

t.setTimeout(180_000);

buildDist();

type Line = LogLine;

interface Proc {
  child: ChildProcess;
  lines: Line[];
  stderr: () => string;
  exited: Promise<number | null>;
  waitFor: (what: string, pred: (l: Line) => boolean, ms?: number) => Promise<Line>;
  port: () => number;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The environment of a process: nothing inherited from the test runner but PATH. */
function baseEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0' };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

function start(t: Test, script: 'main' | 'cli', args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--enable-source-maps', `dist/src/${script}.js`, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const { lines, stderr: stderrText, exited } = readLogLines(child);
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const waitFor = async (what: string, pred: (l: Line) => boolean, ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = lines.find(pred);
      if (hit) return hit;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no "${what}" line (exit ${child.exitCode}); stderr: ${stderrText().slice(-1000)}; log: ${lines.map((l) => l.msg).join(' | ').slice(-1500)}`);
      }
      await sleep(50);
    }
  };
  const port = () => {
    const l = lines.find((x) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(x.msg));
    if (!l) throw new Error('not listening');
    return Number(/:(\d+)$/.exec(l.msg)![1]);
  };
  return { child, lines, stderr: stderrText, exited, waitFor, port };
}

async function clerkOf(db: TestDb): Promise<{ username: string; id: string }> {
  const username = `clerk${randomBytes(3).toString('hex')}`;
  await createUser(serviceDeps({ db: db.pool, clock: systemClock, log: silent, config: loadConfig({}) }), 'test', {
    username, password: 'correct-horse-battery', displayName: '测试登记员', roles: ['clerk'], departmentCode: null,
  });
  const { rows } = await db.pool.query('SELECT id::text FROM users WHERE username = $1', [username]);
  return { username, id: rows[0].id as string };
}

async function signIn(base: string, username: string): Promise<Record<string, string>> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'correct-horse-battery' }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  const cookie = /hy_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0];
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
}

function registration(base: string, headers: Record<string, string>, key: string, body: object) {
  return fetch(`${base}/api/v1/tickets`, { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: JSON.stringify(body) });
}

async function ticketRow(db: TestDb, no: string) {
  const { rows } = await db.pool.query(
    `SELECT t.status, t.department_code, (SELECT actor_label FROM ticket_events e WHERE e.ticket_id = t.id AND e.type = 'assigned' ORDER BY id LIMIT 1) AS assigned_by
       FROM tickets t WHERE t.ticket_no = $1`,
    [no],
  );
  return rows[0] as { status: string; department_code: string | null; assigned_by: string | null } | undefined;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const water = { channel: 'phone', kind: 'help', content: '自来水停了两天了', categoryCode: 'drinking_water', complainant: { phone: '13512345678' } };
/** Redis when the suite has it (its readiness check and rate limits run then), with a queue prefix of its own, removed afterwards. */
function redisEnv(t: Test): Record<string, string> {
  const url = process.env.REDIS_URL;
  if (!url) return {};
  const prefix = `p${randomBytes(4).toString('hex')}`;
  t.teardown(async () => {
    const redis = new Redis(url);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });
  return { REDIS_URL: url, QUEUE_PREFIX: prefix };
}

t.test('all-in-one: /readyz, the start log warns of missing holiday calendars, the workers run in the process, SIGTERM exits 0', async (t) => {
  const db = await createTestDb();
  t.teardown(() => db.drop());
  // This and next year (Asia/Shanghai) without a calendar, whatever the date the suite runs on.
  const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
  await db.pool.query('DELETE FROM calendar_years WHERE year = ANY($1)', [[year, year + 1]]);
  const clerk = await clerkOf(db);
  const p = start(t, 'main', [], baseEnv({
    DATABASE_URL: db.appUrl, MIGRATION_DATABASE_URL: db.url, ...redisEnv(t),
    TOWNSHIP_NAME: '东山镇', PUBLIC_BASE_URL: 'https://hy.example.gov.cn',
  }));
  const started = await p.waitFor('huiying started', (l) => l.msg.startsWith('huiying started'));
  t.equal(started.role, 'all');
  t.ok(p.lines.some((l) => l.msg === 'workers started'), 'the workers started in the same process');

  const warnings = await until('both calendar warnings', async () => {
    const w = p.lines.filter((l) => l.warning === 'CALENDAR_MISSING');
    return w.length >= 2 ? w : null;
  });
  t.same(warnings.map((l) => l.level), [40, 40], 'at level warn');
  t.match(warnings[0].msg, new RegExp(`^【警告】${year}年节假日安排未配置，期限将按周一至周五计算并标记`));
  t.match(warnings[1].msg, new RegExp(`^【警告】${year + 1}年节假日安排未配置`));
  t.same(p.lines.filter((l) => l.warning).map((l) => l.warning), ['CALENDAR_MISSING', 'CALENDAR_MISSING'], 'nothing else to warn of');

  const base = `http://127.0.0.1:${p.port()}`;
  const ready = await fetch(`${base}/readyz`);
  t.equal(ready.status, 200, 'a missing calendar is not an outage');
  const body = (await ready.json()) as { status: string; checks: Record<string, string>; warnings: string[] };
  t.equal(body.status, 'ready');
  t.equal(body.checks.postgres, 'ok');
  t.equal(body.checks.redis, process.env.REDIS_URL ? 'ok' : 'not configured (queues on PostgreSQL)');
  t.equal(body.checks.calendar, `missing ${year}, ${year + 1}`);
  t.equal(body.warnings.length, 2);

  const res = await registration(base, await signIn(base, clerk.username), 'all-in-one-1', water);
  t.equal(res.status, 201);
  const no = ((await res.json()) as { ticketNo: string }).ticketNo;
  const routed = await until('routing by the in-process workers', async () => {
    const r = await ticketRow(db, no);
    return r?.status === 'assigned' ? r : null;
  });
  t.same(routed, { status: 'assigned', department_code: 'sw', assigned_by: '系统自动分派' });

  p.child.kill('SIGTERM');
  t.equal(await p.exited, 0, 'exit 0');
  const msgs = p.lines.map((l) => l.msg);
  t.ok(msgs.indexOf('shutting down: draining HTTP and running jobs') >= 0, 'says it drains');
  t.equal(msgs[msgs.length - 1], 'shutdown complete', 'and says so last');
});

t.test('--role api serves HTTP only and drains an in-flight request on SIGTERM; --role worker alone does the rest', async (t) => {
  const db = await createTestDb();
  t.teardown(() => db.drop());
  const clerk = await clerkOf(db);
  const env = baseEnv({ DATABASE_URL: db.appUrl, MIGRATION_DATABASE_URL: db.url, ...redisEnv(t) });
  const api = start(t, 'main', ['--role', 'api'], env);
  t.equal((await api.waitFor('huiying started', (l) => l.msg.startsWith('huiying started'))).role, 'api');
  t.notOk(api.lines.some((l) => l.msg === 'workers started'), 'no workers in the API process');
  const base = `http://127.0.0.1:${api.port()}`;
  t.equal((await fetch(`${base}/readyz`)).status, 200);
  const headers = await signIn(base, clerk.username);
  const first = await registration(base, headers, 'api-role-1', water);
  t.equal(first.status, 201);
  const routedNo = ((await first.json()) as { ticketNo: string }).ticketNo;

  // An in-flight request: a registration waiting on its Idempotency-Key, which this test holds.
  const holder = await db.pool.connect();
  t.teardown(() => holder.release());
  await holder.query('BEGIN');
  await holder.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response, created_at) VALUES ($1, 'drain-key', 'held', 0, 'null', now())`,
    [`user:${clerk.id}`],
  );
  const inFlight = registration(base, headers, 'drain-key', { ...water, categoryCode: undefined, content: '楼道灯坏了一个星期' });
  await until('the registration waiting on the held key', async () => {
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%idempotency_keys%'`,
    );
    return rows[0].n > 0;
  });
  api.child.kill('SIGTERM');
  await api.waitFor('shutting down', (l) => l.msg.startsWith('shutting down'));
  // While it drains it takes no new connection.
  await until('new connections refused', async () => {
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
      return r.status === 503;
    } catch {
      return true;
    }
  }, 10_000);
  t.equal(api.child.exitCode, null, 'still draining while the request is in flight');
  await holder.query('ROLLBACK'); // the key is free: the registration goes on
  const answer = await inFlight;
  t.equal(answer.status, 201, 'the in-flight request completed');
  const drainedNo = ((await answer.json()) as { ticketNo: string }).ticketNo;
  t.equal((await ticketRow(db, drainedNo))?.status, 'registered', 'and its ticket is stored');
  t.equal(await api.exited, 0, 'then the API exits 0, without waiting for the client to drop its connection', { stderr: api.stderr() });
  // The drained request's own access line may be written just after (its response's finish event
  // can come after the close on Node 24); nothing else may follow the end of the shutdown.
  const msgs = api.lines.map((l) => l.msg);
  const done = msgs.lastIndexOf('shutdown complete');
  t.ok(done > msgs.findIndex((m) => String(m).startsWith('shutting down')), 'the shutdown completes after it began');
  t.same(msgs.slice(done + 1).filter((m) => m !== 'request completed'), [], 'and nothing but the drained request\'s line follows it');

  // The API only wrote the outbox; nothing published the routing job.
  const { rows } = await db.pool.query(
    `SELECT o.published_at FROM outbox o JOIN tickets t ON o.payload->>'ticketId' = t.id::text WHERE o.topic = 'routing' AND t.ticket_no = $1`,
    [routedNo],
  );
  t.same(rows, [{ published_at: null }], 'the API process never touched the queues');
  t.equal((await ticketRow(db, routedNo))?.status, 'registered');

  const worker = start(t, 'main', ['--role', 'worker'], env);
  t.equal((await worker.waitFor('huiying started', (l) => l.msg.startsWith('huiying started'))).role, 'worker');
  t.same(await until('routing by the worker process', async () => {
    const r = await ticketRow(db, routedNo);
    return r?.status === 'assigned' ? r : null;
  }), { status: 'assigned', department_code: 'sw', assigned_by: '系统自动分派' });
  t.notOk(worker.lines.some((l) => l.msg.startsWith('Server listening')), 'the worker serves no HTTP');
  worker.child.kill('SIGTERM');
  t.equal(await worker.exited, 0);
  t.equal(worker.lines[worker.lines.length - 1].msg, 'shutdown complete');
});

t.test('two `npm run migrate` at once on a fresh database: both succeed, every migration applied once', async (t) => {
  const server = process.env.HY_TEST_SERVER_URL!;
  const name = `hyt_${process.env.HY_TEST_RUN ?? 'x'}_mig${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  t.teardown(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });
  const owner = new URL(server);
  owner.pathname = `/${name}`;
  const appUrl = urlAs(owner.toString(), process.env.HY_TEST_APP_ROLE ?? 'hyt_app', process.env.HY_TEST_APP_PASSWORD);
  const env = baseEnv({ DATABASE_URL: appUrl, MIGRATION_DATABASE_URL: owner.toString(), LOG_LEVEL: 'warn' });
  const runs = [start(t, 'cli', ['migrate'], env), start(t, 'cli', ['migrate'], env)];
  const codes = await Promise.all(runs.map((r) => r.exited));
  t.same(codes, [0, 0], `both exit 0 (stderr: ${runs.map((r) => r.stderr().slice(-800)).join(' || ')})`);
  for (const r of runs) t.ok(r.lines.some((l) => l.msg === 'migrations applied'), 'each says so');

  const db = new pg.Client({ connectionString: owner.toString() });
  await db.connect();
  t.teardown(() => db.end());
  const files = readdirSync('migrations').filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort();
  const { rows: applied } = await db.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id');
  t.same(applied.map((r) => r.name), files, 'each migration recorded once, in order');
  t.equal((await db.query('SELECT count(*)::int AS n FROM departments')).rows[0].n, DEFAULT_DEPARTMENTS.length, 'the default catalogue loaded once');

  // The schema is the one a single migration run makes (the test template's).
  const shape = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows } = await c.query(
        `SELECT table_schema, table_name, column_name, data_type, is_nullable FROM information_schema.columns
          WHERE table_schema IN ('public', 'bullmq') ORDER BY 1, 2, 3`,
      );
      return rows.map((r) => Object.values(r).join(' '));
    } finally {
      await c.end();
    }
  };
  const template = new URL(server);
  template.pathname = `/${process.env.HY_TEST_TEMPLATE}`;
  const [mine, reference] = await Promise.all([shape(owner.toString()), shape(template.toString())]);
  t.ok(mine.length > 100, `${mine.length} columns`);
  t.same(mine, reference, 'tables and columns as in a single run');
  const app = new pg.Client({ connectionString: appUrl });
  await app.connect();
  t.equal((await app.query('SELECT count(*)::int AS n FROM tickets')).rows[0].n, 0, 'the application role can use it');
  await app.end();
});

t.test('bad configuration: one clear line per bad variable on stderr, exit code 1, no stack trace', async (t) => {
  const cases: [string, Record<string, string>, RegExp[]][] = [
    ['one bad variable', { PORT: 'abc' }, [/^ {2}PORT: must be a port number \(0-65535\)$/]],
    ['several at once', {
      DATABASE_URL: 'mysql://db/huiying', REDIS_URL: 'http://redis:6379', LOG_LEVEL: 'loud', SESSION_SECRET: 'short',
      PUBLIC_BASE_URL: 'ftp://hy', TOWNSHIP_HOTLINES: '0571-88881234,镇热线', QUEUE_LOCK_MS: '10',
    }, [
      /^ {2}DATABASE_URL: must be a postgres:\/\/ URL$/,
      /^ {2}REDIS_URL: must be a redis:\/\/ URL$/,
      /^ {2}PUBLIC_BASE_URL: must be an http\(s\) URL$/,
      /^ {2}TOWNSHIP_HOTLINES\.1: must be a comma-separated list of phone numbers/,
      /^ {2}SESSION_SECRET: must be at least 32 characters$/,
      /^ {2}LOG_LEVEL: .*"info"/,
      /^ {2}QUEUE_LOCK_MS: must be a whole number from 1000 to 600000$/,
    ]],
    ['MIGRATION_DATABASE_URL alone', { MIGRATION_DATABASE_URL: 'postgres://owner@db/huiying' }, [/^ {2}MIGRATION_DATABASE_URL: needs DATABASE_URL/]],
  ];
  const runs = cases.flatMap(([name, bad, expected]) => [
    { name: `npm start: ${name}`, proc: start(t, 'main', [], baseEnv(bad)), expected },
    ...(name === 'one bad variable' ? [{ name: `npm run migrate: ${name}`, proc: start(t, 'cli', ['migrate'], baseEnv(bad)), expected }] : []),
  ]);
  for (const { name, proc, expected } of runs) {
    t.equal(await proc.exited, 1, `${name}: exit 1`);
    const lines = proc.stderr().trimEnd().split('\n');
    t.equal(lines[0], 'Invalid configuration:', `${name}: a heading`);
    t.equal(lines.length - 1, expected.length, `${name}: one line per bad variable (${JSON.stringify(lines)})`);
    for (const re of expected) t.equal(lines.filter((l) => re.test(l)).length, 1, `${name}: ${re}`);
    t.notMatch(proc.stderr(), /\n\s+at /, `${name}: no stack trace`);
    t.same(proc.lines, [], `${name}: nothing started`);
  }
});
