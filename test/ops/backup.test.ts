// scripts/backup.sh and scripts/restore.sh against the machine's PostgreSQL: tickets made through the
// app, a backup (with an attachments directory and retention), a restore into a fresh database, the
// same rows there and both audit chains and their signed checkpoints verifying in the copy — and a
// tampered copy failing, so the check is not vacuous. Also what the scripts refuse.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import { json, registrationRequest, setupApp, staffSession, type Session } from '../helpers/app.js';
import { verifyAudit, writeCheckpoints } from '../../src/services/audit.service.js';

t.setTimeout(180_000);

const KEY = 'backup-test-checkpoint-key-0123456789abcdef';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ctx = await setupApp(t, { env: { AUDIT_CHECKPOINT_KEY: KEY } });
const dir = mkdtempSync(path.join(tmpdir(), 'hy-backup-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const run = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync('bash', [`scripts/${script}`, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });

/** A fresh, empty database on the test server (the hyt_ prefix: test/run.ts drops leftovers). */
async function freshDatabase(): Promise<string> {
  const name = `hyt_${process.env.HY_TEST_RUN ?? 'x'}_restore_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.HY_TEST_SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
  await admin.end();
  t.teardown(async () => {
    const a = new pg.Client({ connectionString: process.env.HY_TEST_SERVER_URL });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await a.end();
  });
  const u = new URL(ctx.db.url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Row count and a digest of the rows' text of every table, by schema-qualified name. */
async function tableContents(url: string): Promise<Record<string, { n: number; digest: string }>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const tables: Record<string, { n: number; digest: string }> = {};
    for (const { name } of rows) {
      const sql = `SELECT count(*)::int AS n, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS digest FROM ${name} r`;
      tables[name] = (await c.query<{ n: number; digest: string }>(sql)).rows[0];
    }
    return tables;
  } finally {
    await c.end();
  }
}

/** Registrations, actions, logins (good and bad): rows in tickets, both chains, outbox, sessions. */
async function seed(): Promise<void> {
  const clerk = await staffSession(ctx, ['clerk']);
  const handler: Session = await staffSession(ctx, ['handler'], 'cj');
  for (let i = 0; i < 4; i++) {
    const res = await ctx.app.inject(
      registrationRequest(clerk, { channel: 'phone', kind: 'complaint', content: `第${i}号：村口道路有个大坑`, villageCode: 'xihe', complainant: { name: '李四', phone: `1360000123${i}` } }),
    );
    if (res.statusCode !== 201) throw new Error(res.body);
    const no = json(res).ticketNo as string;
    const act = (s: Session, action: string, body: object) =>
      ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${no}/actions/${action}`, headers: s.headers, payload: body });
    for (const [s, action, body] of [[clerk, 'assign', { departmentCode: 'cj', categoryCode: 'road' }], [handler, 'accept', {}]] as const) {
      const r = await act(s, action, body);
      if (r.statusCode !== 200) throw new Error(`${action}: ${r.body}`);
    }
    await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: clerk.username, password: `wrong-${i}` } });
  }
  if ((await writeCheckpoints({ ...ctx.deps, log: quiet })) !== 2) throw new Error('expected two checkpoints');
}

await seed();

t.test('backup → restore into a fresh database: same rows, both audit chains and their checkpoints verify', async (t) => {
  const backups = path.join(dir, 'backups');
  const attachments = path.join(dir, 'attachments');
  mkdirSync(path.join(attachments, '2026', '11'), { recursive: true });
  writeFileSync(path.join(attachments, '2026', '11', 'photo-1.jpg'), 'not really a photo');
  // Older backups and a file that is not one: retention keeps the newest BACKUP_KEEP backups only.
  mkdirSync(backups);
  for (const stamp of ['20250101T010000Z', '20250102T010000Z', '20250103T010000Z']) {
    for (const ext of ['dump', 'sha256', 'attachments.tar.gz']) writeFileSync(path.join(backups, `huiying-${stamp}.${ext}`), 'old');
  }
  writeFileSync(path.join(backups, 'notes.txt'), 'kept');

  const backup = run('backup.sh', [], { BACKUP_DATABASE_URL: ctx.db.url, BACKUP_DIR: backups, BACKUP_KEEP: '2', ATTACHMENTS_DIR: attachments });
  t.equal(backup.status, 0, backup.stderr);
  const dumps = readdirSync(backups).filter((f) => f.endsWith('.dump')).sort();
  t.equal(dumps.length, 2, `two backups kept: ${dumps.join(', ')}`);
  t.equal(dumps[0], 'huiying-20250103T010000Z.dump', 'the newest old one stays');
  const dump = dumps[1];
  t.match(dump, /^huiying-\d{8}T\d{6}Z\.dump$/, 'a timestamped name (UTC)');
  const stem = dump.replace(/\.dump$/, '');
  t.same(
    readdirSync(backups).filter((f) => !f.startsWith('.')).sort(),
    ['huiying-20250103T010000Z.attachments.tar.gz', 'huiying-20250103T010000Z.dump', 'huiying-20250103T010000Z.sha256', `${stem}.attachments.tar.gz`, dump, `${stem}.sha256`, 'notes.txt'].sort(),
    'older backups removed with their checksum and attachments; nothing half-written; other files untouched',
  );
  t.match(backup.stdout, new RegExp(`removed .*huiying-20250101T010000Z\\.dump`));
  const listing = spawnSync('tar', ['-tzf', path.join(backups, `${stem}.attachments.tar.gz`)], { encoding: 'utf8' });
  t.match(listing.stdout, /\.\/2026\/11\/photo-1\.jpg/, 'the attachments archive holds the files');

  const target = await freshDatabase();
  const restore = run('restore.sh', [path.join(backups, dump), target], {});
  t.equal(restore.status, 0, restore.stderr);
  t.match(restore.stdout, /restored; next: npm run cli -- audit:verify/);

  const before = await tableContents(ctx.db.url);
  const after = await tableContents(target);
  const n = (table: string) => before[`public.${table}`].n;
  t.ok(n('tickets') === 4 && n('ticket_events') >= 12 && n('audit_log') >= 4 && n('audit_checkpoints') === 2, 'real data: tickets, events, audit rows, checkpoints');
  t.same(Object.keys(after), Object.keys(before), 'the same tables');
  t.same(after, before, 'every table has the same number of rows, with the same content');

  const pool = new pg.Pool({ connectionString: target, max: 2 });
  t.teardown(() => pool.end());
  const report = await verifyAudit({ db: pool, config: { ...ctx.deps.config, AUDIT_CHECKPOINT_KEY: KEY } });
  t.ok(report.ok, 'audit:verify on the restored copy: intact');
  for (const chain of ['audit', 'timeline'] as const) {
    t.equal(report.chains[chain].rows, n(chain === 'audit' ? 'audit_log' : 'ticket_events'), `${chain}: every row checked`);
    t.equal(report.chains[chain].checkpoints.checked, 1, `${chain}: the signed checkpoint checked`);
    t.equal(report.chains[chain].checkpoints.unchecked, 0, `${chain}: its signature verified`);
  }
  // Owners and grants came along: the application role may read but not rewrite the evidence.
  const { rows } = await pool.query(`SELECT tableowner, has_table_privilege($1, 'public.audit_log', 'UPDATE') AS may_update FROM pg_tables WHERE tablename = 'audit_log'`, [ctx.db.appRole]);
  t.same(rows, [{ tableowner: (await pool.query('SELECT tableowner FROM pg_tables WHERE tablename = $1', ['tickets'])).rows[0].tableowner, may_update: false }]);

  // The check sees tampering in the copy.
  const c = await pool.connect();
  try {
    await c.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await c.query(`UPDATE audit_log SET data = '{"edited":true}' WHERE id = (SELECT min(id) FROM audit_log)`);
    await c.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
  } finally {
    c.release();
  }
  t.notOk((await verifyAudit({ db: pool, config: { ...ctx.deps.config, AUDIT_CHECKPOINT_KEY: KEY } })).ok, 'a row edited in the copy: ALTERED');

  const again = run('restore.sh', [path.join(backups, dump), target], {});
  t.not(again.status, 0, 'restore refuses a database that is not empty');
  t.match(again.stderr, /^restore: the target database is not empty \(\d+ tables, views or sequences\): restore into a fresh one$/m);
});

t.test('a dump that does not match its checksum is refused', async (t) => {
  const backups = path.join(dir, 'checksum');
  const ok = run('backup.sh', [], { BACKUP_DATABASE_URL: ctx.db.url, BACKUP_DIR: backups });
  t.equal(ok.status, 0, ok.stderr);
  const dump = readdirSync(backups).find((f) => f.endsWith('.dump'))!;
  writeFileSync(path.join(backups, dump), 'truncated', { flag: 'a' });
  const res = run('restore.sh', [path.join(backups, dump), await freshDatabase()], {});
  t.not(res.status, 0);
  t.match(res.stderr, /does not match .*\.sha256/);
});

t.test('backup fails loudly and leaves nothing half-written', async (t) => {
  const backups = path.join(dir, 'failing');
  const unreachable = run('backup.sh', [], { BACKUP_DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/huiying', BACKUP_DIR: backups });
  t.not(unreachable.status, 0, 'PostgreSQL unreachable');
  t.match(unreachable.stderr, /backup: pg_dump failed; no backup written/);
  t.same(readdirSync(backups).filter((f) => !f.startsWith('.')), [], 'no dump, no partial file');

  const missing = run('backup.sh', [], { BACKUP_DATABASE_URL: ctx.db.url, BACKUP_DIR: backups, ATTACHMENTS_DIR: path.join(dir, 'no-such-dir') });
  t.not(missing.status, 0, 'a configured attachments directory that is missing');
  t.match(missing.stderr, /ATTACHMENTS_DIR=.*no-such-dir does not exist/);

  const none = run('backup.sh', [], { BACKUP_DIR: backups });
  t.match(none.stderr, /set BACKUP_DATABASE_URL/);
  t.not(run('backup.sh', [], { BACKUP_DATABASE_URL: ctx.db.url, BACKUP_DIR: backups, BACKUP_KEEP: '0' }).status, 0, 'BACKUP_KEEP=0 would delete every backup');

  // The owner's URL from a secrets file, as the app reads it (MIGRATION_DATABASE_URL_FILE).
  const file = path.join(dir, 'owner-url');
  writeFileSync(path.join(dir, 'owner-url'), `${ctx.db.url}\n`);
  const fromFile = run('backup.sh', [], { MIGRATION_DATABASE_URL_FILE: file, BACKUP_DIR: path.join(dir, 'from-file') });
  t.equal(fromFile.status, 0, fromFile.stderr);
  t.ok(existsSync(path.join(dir, 'from-file')) && readdirSync(path.join(dir, 'from-file')).some((f) => f.endsWith('.dump')));
});
