// Migration 0019 moves the column ladders (next_escalation_at, sign_off_next_escalation_at,
// resolve_started_at) to ticket_deadlines rows without losing a pending step: a database migrated to
// 0015 gets tickets in every state with pending steps, then the rest of the migrations run.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { MIGRATIONS_DIR } from '../../src/db/migrate.js';

const server = process.env.HY_TEST_SERVER_URL;
if (!server) throw new Error('run the tests with `npm test`');
const name = `hyt_mig_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: server });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
const u = new URL(server);
u.pathname = `/${name}`;
const url = u.toString();
const pool = new pg.Pool({ connectionString: url, max: 2 });
pool.on('error', () => undefined);
t.teardown(async () => {
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
});

const migrateTo = (count: number, direction: 'up' | 'down' = 'up') =>
  runner({ databaseUrl: url, dir: MIGRATIONS_DIR, direction, migrationsTable: 'pgmigrations', count, checkOrder: true, log: () => undefined });

const at = (iso: string) => new Date(iso);

t.test('pending steps survive the move to rows', async (t) => {
  const before = await migrateTo(Infinity);
  // Back to just before 0019 (whatever later migrations exist), then seed the old columns.
  const later = before.map((m) => m.name).filter((n) => n >= '0019');
  await migrateTo(later.length, 'down');
  await pool.query(`INSERT INTO departments (code, name, kind) VALUES ('cj', '城建办', 'office')`);
  const insert = (no: string, status: string, cols: Record<string, unknown>) => {
    const all: Record<string, unknown> = {
      ticket_no: no, status, kind: 'help', channel: 'phone', content: '路灯坏了', received_at: at('2026-11-20T01:00:00Z'),
      registered_at: at('2026-11-20T01:00:00Z'), due_at: at('2026-12-04T15:59:59Z'), resolve_started_at: at('2026-11-20T01:00:00Z'),
      ...cols,
    };
    const keys = Object.keys(all);
    return pool.query(`INSERT INTO tickets (${keys.join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(all));
  };
  await insert('202611200000011', 'registered', { next_escalation_at: at('2026-12-03T15:59:59Z') });
  await insert('202611200000022', 'assigned', {
    department_code: 'cj', assigned_at: at('2026-11-20T02:00:00Z'), sign_off_due_at: at('2026-11-23T15:59:59Z'),
    sign_off_escalation_level: 'warning', sign_off_next_escalation_at: at('2026-11-23T15:59:59Z'),
    next_escalation_at: at('2026-12-03T15:59:59Z'),
  });
  await insert('202611200000033', 'in_progress', {
    department_code: 'cj', assigned_at: at('2026-11-20T02:00:00Z'), accepted_at: at('2026-11-20T03:00:00Z'),
    sign_off_due_at: at('2026-11-23T15:59:59Z'), escalation_level: 'overdue', next_escalation_at: at('2026-12-09T15:59:59Z'),
    resolve_started_at: at('2026-11-21T00:00:00Z'),
  });
  await insert('202611200000044', 'replied', {
    department_code: 'cj', assigned_at: at('2026-11-20T02:00:00Z'), accepted_at: at('2026-11-20T03:00:00Z'),
    sign_off_due_at: at('2026-11-23T15:59:59Z'), replied_at: at('2026-11-25T03:00:00Z'), follow_up_due_at: at('2026-11-27T15:59:59Z'),
  });

  await migrateTo(Infinity);
  const { rows } = await pool.query(
    `SELECT t.ticket_no, d.kind, d.department_code, d.started_at, d.due_at, d.level, d.next_step_at, d.state
       FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id ORDER BY t.ticket_no, d.kind`,
  );
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  t.same(
    rows.map((r) => [r.ticket_no.slice(-2), r.kind, r.department_code, iso(r.started_at), iso(r.due_at), r.level, iso(r.next_step_at), r.state]),
    [
      ['11', 'resolve', null, '2026-11-20T01:00:00.000Z', '2026-12-04T15:59:59.000Z', null, '2026-12-03T15:59:59.000Z', 'open'],
      ['22', 'resolve', 'cj', '2026-11-20T01:00:00.000Z', '2026-12-04T15:59:59.000Z', null, '2026-12-03T15:59:59.000Z', 'open'],
      ['22', 'sign_off', 'cj', '2026-11-20T02:00:00.000Z', '2026-11-23T15:59:59.000Z', 'warning', '2026-11-23T15:59:59.000Z', 'open'],
      ['33', 'resolve', 'cj', '2026-11-21T00:00:00.000Z', '2026-12-04T15:59:59.000Z', 'overdue', '2026-12-09T15:59:59.000Z', 'open'],
      ['33', 'sign_off', 'cj', '2026-11-20T02:00:00.000Z', '2026-11-23T15:59:59.000Z', null, null, 'done'],
      ['44', 'follow_up', 'cj', '2026-11-25T03:00:00.000Z', '2026-11-27T15:59:59.000Z', null, null, 'open'],
      ['44', 'resolve', 'cj', '2026-11-20T01:00:00.000Z', '2026-12-04T15:59:59.000Z', null, null, 'done'],
      ['44', 'sign_off', 'cj', '2026-11-20T02:00:00.000Z', '2026-11-23T15:59:59.000Z', null, null, 'done'],
    ],
    'every pending step is the next step of an open row; finished deadlines are closed rows',
  );
  const { rows: cols } = await pool.query(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'tickets'
        AND column_name IN ('next_escalation_at', 'sign_off_next_escalation_at', 'resolve_started_at')`,
  );
  t.same(cols, [], 'the old ladder columns are gone');

  // And back: the down migration restores the columns from the rows.
  const now = await migrateTo(Infinity, 'up');
  t.same(now, [], 'nothing left to apply');
  const all = (await pool.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY name')).rows.map((r) => r.name);
  await migrateTo(all.filter((n) => n >= '0019').length, 'down');
  const { rows: back } = await pool.query(
    `SELECT ticket_no, next_escalation_at, sign_off_next_escalation_at, resolve_started_at FROM tickets ORDER BY ticket_no`,
  );
  t.same(back.map((r) => [iso(r.next_escalation_at), iso(r.sign_off_next_escalation_at), iso(r.resolve_started_at)]), [
    ['2026-12-03T15:59:59.000Z', null, '2026-11-20T01:00:00.000Z'],
    ['2026-12-03T15:59:59.000Z', '2026-11-23T15:59:59.000Z', '2026-11-20T01:00:00.000Z'],
    ['2026-12-09T15:59:59.000Z', null, '2026-11-21T00:00:00.000Z'],
    [null, null, '2026-11-20T01:00:00.000Z'],
  ], 'down restores the pending steps');
});
