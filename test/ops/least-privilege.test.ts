// The application role (src/db/roles.ts) against a real database: as that role, the evidence cannot
// be truncated, changed, deleted or unguarded, and nothing can be created or altered; the normal
// work of the API and the workers succeeds (the whole suite runs the app and the workers as this
// role). Also: the grants step is idempotent and takes back what was granted by hand, and start-up
// warns when the application connects as the owner.
import t from 'tap';
import pg from 'pg';
import { json, registrationRequest, setupApp, staffSession } from '../helpers/app.js';
import { setupWorkers, waitFor } from '../helpers/workers.js';
import { checkAppRole, connectedRole, ensureAppRole } from '../../src/db/roles.js';
import { prepareDatabase } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import type { Log } from '../../src/services/deps.js';
import { QUEUE_DASHBOARD_PATH } from '../../src/http/queue-dashboard.js';
import { QUEUE_NAMES } from '../../src/queue/names.js';

const ctx = await setupApp(t, { env: { AUDIT_CHECKPOINT_KEY: 'least-privilege-test-checkpoint-key-0123' } });
const asApp = new pg.Pool({ connectionString: ctx.db.appUrl, max: 2 });
asApp.on('error', () => undefined);
t.teardown(() => asApp.end());
const role = ctx.db.appRole;
// Each with a text column to try to change.
const EVIDENCE: Record<string, string> = { audit_log: 'actor', ticket_events: 'note', audit_checkpoints: 'digest' };
const TABLES = Object.keys(EVIDENCE);
const DENIED = /permission denied for table|must be owner of table/;

async function count(table: string): Promise<number> {
  const { rows } = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

function capture(): Log & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_obj: unknown, msg?: string) => void lines.push({ level, msg: msg ?? '' });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

const clerk = await staffSession(ctx, ['clerk']);

t.test('the app connects as the application role, which owns nothing and may only what it needs', async (t) => {
  const { rows } = await ctx.deps.db.query('SELECT current_user AS u');
  t.equal(rows[0].u, role, 'the app pool is the application role');
  const info = await connectedRole(ctx.db.appUrl);
  t.same(info, { role, superuser: false, ownsTables: false });
  t.same(await checkAppRole(ctx.db.pool, role), [], 'nothing beyond its grants');
  const { rows: truncatable } = await ctx.db.pool.query(
    `SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND (n.nspname = 'public' OR n.nspname LIKE 'bullmq%')
        AND has_table_privilege($1, c.oid, 'TRUNCATE')`,
    [role],
  );
  t.same(truncatable, [], 'TRUNCATE on no table at all');
});

t.test('as the application role, the audit log and the timelines cannot be removed, changed or unguarded', async (t) => {
  const res = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '村口的路灯坏了一个星期', complainant: { phone: '13800001111' } }));
  t.equal(res.statusCode, 201, `registered through the app (${res.body})`);
  await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: clerk.username, password: 'wrong-password' } });
  await ctx.db.pool.query(
    `INSERT INTO audit_checkpoints (chain, day, last_id, row_count, digest) VALUES ('audit', '2026-01-01', 0, 0, 'x')`,
  );
  const before = Object.fromEntries(await Promise.all(TABLES.map(async (tb) => [tb, await count(tb)])));
  t.ok(before.audit_log > 0 && before.ticket_events > 0, 'there is evidence to attack');

  for (const table of TABLES) {
    await t.rejects(asApp.query(`TRUNCATE ${table}`), { code: '42501', message: /permission denied for table/ }, `TRUNCATE ${table}`);
    await t.rejects(asApp.query(`TRUNCATE ${table} CASCADE`), { code: '42501' }, `TRUNCATE ${table} CASCADE`);
    await t.rejects(asApp.query(`ALTER TABLE ${table} DISABLE TRIGGER ALL`), { code: '42501', message: /must be owner of table/ }, `ALTER TABLE ${table} DISABLE TRIGGER`);
    // Refused by the grants, before the append-only trigger would be reached.
    await t.rejects(asApp.query(`UPDATE ${table} SET ${EVIDENCE[table]} = 'x'`), { code: '42501', message: /permission denied for table/ }, `UPDATE ${table}`);
    await t.rejects(asApp.query(`DELETE FROM ${table}`), { code: '42501', message: /permission denied for table/ }, `DELETE FROM ${table}`);
    await t.rejects(
      asApp.query(`CREATE TRIGGER sneak BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_change()`),
      { code: '42501' },
      `CREATE TRIGGER on ${table}`,
    );
    await t.rejects(asApp.query(`ALTER TABLE ${table} OWNER TO ${role}`), { code: '42501' }, `take ${table} over`);
  }
  await t.rejects(asApp.query('TRUNCATE tickets CASCADE'), { code: '42501' }, 'nor through the tickets they hang on');
  await t.rejects(asApp.query('DROP TABLE audit_log'), { code: '42501', message: DENIED }, 'DROP TABLE');
  await t.rejects(asApp.query('CREATE TABLE mine (id int)'), { code: '42501', message: /permission denied for schema public/ }, 'CREATE TABLE');
  await t.rejects(asApp.query('CREATE SCHEMA mine'), { code: '42501', message: /permission denied for database/ }, 'CREATE SCHEMA');
  await t.rejects(asApp.query('CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$'), { code: '42501' }, 'replace the guard function');
  await t.rejects(asApp.query('SET session_replication_role = replica'), { code: '42501' }, 'switch triggers off for the session');
  await t.rejects(asApp.query(`SELECT setval('audit_log_id_seq', 1)`), { code: '42501' }, 'rewind the audit ids');
  await t.rejects(asApp.query('DELETE FROM pgmigrations'), { code: '42501' }, 'forget the migrations');

  const after = Object.fromEntries(await Promise.all(TABLES.map(async (tb) => [tb, await count(tb)])));
  t.same(after, before, 'every row is still there');
});

t.test('normal work succeeds as the application role: API, workers on the PostgreSQL queue, housekeeping', async (t) => {
  const log = capture();
  await setupWorkers(t, ctx, { backend: 'postgres', log });
  const res = await ctx.app.inject(
    registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '自来水停水两天了', categoryCode: 'drinking_water', complainant: { phone: '13900002222' } }),
  );
  t.equal(res.statusCode, 201, res.body);
  const no = json(res).ticketNo;
  await waitFor('routed by the worker', async () => {
    const { rows } = await ctx.db.pool.query(`SELECT status FROM tickets WHERE ticket_no = $1`, [no]);
    return rows[0].status === 'assigned';
  }, 20_000);
  await waitFor('the registration SMS recorded', async () => {
    const { rows } = await ctx.db.pool.query(
      `SELECT 1 FROM notifications n JOIN tickets t ON t.id = n.ticket_id WHERE t.ticket_no = $1 AND n.template = 'registered'`,
      [no],
    );
    return rows.length === 1;
  }, 20_000);
  await waitFor('the day\'s audit checkpoints written by the workers\' housekeeping', async () => {
    const { rows } = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM audit_checkpoints WHERE day = '2026-11-25'`);
    return rows[0].n === 2;
  }, 20_000);
  const admin = await staffSession(ctx, ['admin']);
  const dept = await ctx.app.inject({
    method: 'POST', url: '/api/v1/admin/departments', headers: admin.headers, payload: { code: 'lp_test', name: '权限测试办', kind: 'office' },
  });
  t.equal(dept.statusCode, 201, `an audited admin change (${dept.body})`);
  const logout = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: admin.headers });
  t.equal(logout.statusCode, 200, 'logout (audited) works');
  t.same(log.lines.filter((l) => l.level !== 'info'), [], 'the workers logged no warning or error');
});

t.test('ensureAppRole is idempotent and takes back privileges granted by hand', async (t) => {
  await ctx.db.pool.query(`GRANT TRUNCATE, TRIGGER ON audit_log TO ${role}`);
  await ctx.db.pool.query(`GRANT UPDATE ON ticket_events TO ${role}`);
  await ctx.db.pool.query(`GRANT CREATE ON SCHEMA public TO ${role}`);
  const problems = await checkAppRole(ctx.db.pool, role);
  t.same(
    problems.sort(),
    ['may CREATE in schema public', 'may TRIGGER public.audit_log', 'may TRUNCATE public.audit_log', 'may UPDATE public.ticket_events'],
    'checkAppRole names each excess privilege',
  );
  const report = await ensureAppRole(ctx.db.url, role);
  t.equal(report.created, false);
  t.same(await checkAppRole(ctx.db.pool, role), [], 'all taken back');
  const again = await ensureAppRole(ctx.db.url, role);
  t.same({ ...again, logSettings: 'x' }, { ...report, logSettings: 'x' }, 'a second run changes nothing');

  // A table from a later migration (created by the owner) gets the application grants by default.
  await ctx.db.pool.query('CREATE TABLE later_table (id int)');
  await asApp.query('INSERT INTO later_table VALUES (1)');
  t.same((await asApp.query('SELECT id FROM later_table')).rows, [{ id: 1 }], 'default privileges cover new tables');
  await t.rejects(asApp.query('TRUNCATE later_table'), { code: '42501' }, 'without TRUNCATE');

  const owner = (await connectedRole(ctx.db.url)).role;
  await t.rejects(ensureAppRole(ctx.db.url, owner), /owner/, 'the owner cannot be the application role');
});

t.test('start-up: migrations as the owner, grants for the application; a warning when they are one role', async (t) => {
  const base = loadConfig({ LOG_LEVEL: 'silent' });
  const split = capture();
  await prepareDatabase({ ...base, DATABASE_URL: ctx.db.appUrl, MIGRATION_DATABASE_URL: ctx.db.url }, { url: ctx.db.appUrl, ownerUrl: ctx.db.url, embedded: null }, split);
  t.same(split.lines.filter((l) => l.level === 'warn'), [], 'no warning with the split');
  t.ok(split.lines.some((l) => l.msg === 'application role has its grants'));

  const appOnly = capture();
  await prepareDatabase({ ...base, DATABASE_URL: ctx.db.appUrl }, { url: ctx.db.appUrl, ownerUrl: ctx.db.appUrl, embedded: null }, appOnly);
  t.same(appOnly.lines.filter((l) => l.level === 'warn'), [], 'the application role alone starts when nothing is pending');

  const single = capture();
  await prepareDatabase({ ...base, DATABASE_URL: ctx.db.url }, { url: ctx.db.url, ownerUrl: ctx.db.url, embedded: null }, single);
  t.match(single.lines.filter((l) => l.level === 'warn'), [{ msg: /owner of the tables.*MIGRATION_DATABASE_URL/ }], 'one warning when the application is the owner');

  // A migration pending and only the application's URL: it is not run, and the error says why.
  await ctx.db.pool.query(`DELETE FROM pgmigrations WHERE name = '0010_audit_checkpoints'`);
  try {
    await t.rejects(
      prepareDatabase({ ...base, DATABASE_URL: ctx.db.appUrl }, { url: ctx.db.appUrl, ownerUrl: ctx.db.appUrl, embedded: null }, capture()),
      /migrations pending \(0010_audit_checkpoints\).*MIGRATION_DATABASE_URL/,
    );
  } finally {
    await ctx.db.pool.query(`INSERT INTO pgmigrations (name, run_on) VALUES ('0010_audit_checkpoints', now())`);
  }
});

t.test('the admin queue dashboard reads the PostgreSQL queues as the application role', async (t) => {
  const dash = await setupApp(t, { queueDashboard: true });
  const admin = await staffSession(dash, ['admin']);
  const res = await dash.app.inject({ method: 'GET', url: `${QUEUE_DASHBOARD_PATH}/api/queues`, headers: { cookie: admin.headers.cookie } });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const names = (json(res).queues as { name: string }[]).map((q) => q.name).sort();
  t.same(names, [...QUEUE_NAMES].sort(), 'every queue listed');
});
