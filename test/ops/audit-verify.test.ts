// The audit evidence end to end: both chains hash exactly what they store (unpaired surrogates and
// NUL included), `audit:verify` names every altered or unlinked row, and the signed daily checkpoints
// show removed rows — some, all (TRUNCATE), or a chain recomputed after an edit — and forged
// checkpoints. Tampering is done as the owner (ctx.db.pool); the application role cannot (see
// least-privilege.test.ts).
import t from 'tap';
import { spawn } from 'node:child_process';
import { json, registrationRequest, setupApp, staffSession, type TestContext } from '../helpers/app.js';
import { appendAudit, auditHash, verifyAuditChain, verifyTimelineChains } from '../../src/db/audit.repository.js';
import { insertEvents } from '../../src/db/ticket-events.repository.js';
import { withTx } from '../../src/db/tx.js';
import { formatAuditReport, verifyAudit, writeCheckpoints } from '../../src/services/audit.service.js';
import { chainState, checkpointKeyId, signCheckpoint } from '../../src/db/audit-checkpoints.repository.js';

const KEY = 'audit-checkpoint-test-key-0123456789abcdef';
const env = { AUDIT_CHECKPOINT_KEY: KEY };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A few registrations and logins: rows in both chains. */
async function seed(ctx: TestContext): Promise<string[]> {
  const clerk = await staffSession(ctx, ['clerk']);
  const numbers: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await ctx.app.inject(
      registrationRequest(clerk, { channel: 'phone', kind: 'help', content: `第${i}号：村口路灯坏了一个星期`, complainant: { phone: `1380000100${i}` } }),
    );
    if (res.statusCode !== 201) throw new Error(res.body);
    numbers.push(json(res).ticketNo);
    await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: clerk.username, password: `wrong-${i}` } });
  }
  return numbers;
}

async function checkpoint(ctx: TestContext): Promise<void> {
  const written = await writeCheckpoints({ ...ctx.deps, log: quiet });
  if (written !== 2) throw new Error(`expected two checkpoints, wrote ${written}`);
}

/** As the owner, with the guard switched off: what someone with the migration role could do. */
async function asOwnerUnguarded(ctx: TestContext, table: string, sql: string, params: unknown[] = []): Promise<void> {
  const c = await ctx.db.pool.connect();
  try {
    await c.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    await c.query(sql, params);
    await c.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  } finally {
    c.release();
  }
}

async function ids(ctx: TestContext, table: string): Promise<string[]> {
  const { rows } = await ctx.db.pool.query(`SELECT id::text FROM ${table} ORDER BY id`);
  return rows.map((r) => r.id);
}

t.test('the audit log hashes exactly what it stores: unpaired surrogates, NUL, keys, dates', async (t) => {
  const ctx = await setupApp(t, { env });
  const at = new Date('2026-11-25T02:00:00.123Z');
  await withTx(ctx.deps.db, (tx) =>
    appendAudit(tx, {
      actor: 'user:ab\ud800cd',
      action: 'test\u0000.action',
      target: '\udc00target',
      data: { 'k\ud800': ['v\u0000w', { when: at, emoji: '\ud83d\ude00' }], n: 1.5, gone: undefined, __proto__x: 1 },
      at,
    }),
  );
  const { rows } = await ctx.db.pool.query(`SELECT actor, action, target, data FROM audit_log WHERE action LIKE 'test%'`);
  t.same(rows, [{
    actor: 'user:ab\uFFFDcd',
    action: 'test.action',
    target: '\uFFFDtarget',
    data: { 'k\uFFFD': ['vw', { when: '2026-11-25T02:00:00.123Z', emoji: '\ud83d\ude00' }], n: 1.5, __proto__x: 1 },
  }], 'stored in the form Postgres keeps');
  t.same((await verifyAuditChain(ctx.db.pool)).faults, [], 'and the chain verifies');

  // The repro of issue 10: an unpaired surrogate in a login name (the HTTP edge may refuse it with
  // 400 first; either way the chain stays intact).
  const res = await ctx.app.inject({
    method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' },
    payload: '{"username":"ab\\ud800cd","password":"x"}',
  });
  t.ok([400, 401].includes(res.statusCode), `login answered ${res.statusCode}`);
  t.same((await verifyAuditChain(ctx.db.pool)).faults, [], 'the chain is intact after the login attempt');
});

t.test('the timelines store and chain the same text', async (t) => {
  const ctx = await setupApp(t, { env });
  const [no] = await seed(ctx);
  const { rows } = await ctx.db.pool.query('SELECT id::text FROM tickets WHERE ticket_no = $1', [no]);
  await insertEvents(ctx.deps.db, rows[0].id, [{
    type: 'commented', at: new Date(), actorId: null, actorLabel: '系统\ud800', note: '备注\u0000有\udc00字', public: false, data: { 'x\ud800': 'y\u0000' },
  }]);
  const { rows: ev } = await ctx.db.pool.query(`SELECT actor_label, note, data FROM ticket_events WHERE type = 'commented'`);
  t.same(ev, [{ actor_label: '系统\uFFFD', note: '备注有\uFFFD字', data: { 'x\uFFFD': 'y' } }]);
  t.same((await verifyTimelineChains(ctx.db.pool)).faults, [], 'every timeline verifies');
});

t.test('every altered row is named, in both chains', async (t) => {
  const ctx = await setupApp(t, { env });
  await seed(ctx);
  await checkpoint(ctx);
  t.ok((await verifyAudit(ctx.deps)).ok, 'intact at first');
  const audit = await ids(ctx, 'audit_log');
  const events = await ids(ctx, 'ticket_events');
  await asOwnerUnguarded(ctx, 'audit_log', `UPDATE audit_log SET data = data || '{"ip":"10.0.0.9"}' WHERE id = ANY($1)`, [[audit[1], audit[3]]]);
  await asOwnerUnguarded(ctx, 'ticket_events', `UPDATE ticket_events SET note = '改过' WHERE id = ANY($1)`, [[events[0], events[2]]]);
  const report = await verifyAudit(ctx.deps);
  t.notOk(report.ok);
  t.same(report.chains.audit.faults, [{ id: audit[1], content: true, link: false }, { id: audit[3], content: true, link: false }], 'both audit rows');
  t.same(report.chains.timeline.faults, [{ id: events[0], content: true, link: false }, { id: events[2], content: true, link: false }], 'both events');
  t.same(report.chains.audit.checkpoints.faults, [], 'the stored hashes are untouched, so the checkpoint agrees: the chain names the rows');
});

t.test('removed rows: the link breaks and the checkpoint counts them', async (t) => {
  const ctx = await setupApp(t, { env });
  await seed(ctx);
  await checkpoint(ctx);
  const audit = await ids(ctx, 'audit_log');
  const events = await ids(ctx, 'ticket_events');
  await asOwnerUnguarded(ctx, 'audit_log', 'DELETE FROM audit_log WHERE id = ANY($1)', [[audit[0], audit[2]]]);
  await asOwnerUnguarded(ctx, 'ticket_events', 'DELETE FROM ticket_events WHERE id = $1', [events[0]]);
  const report = await verifyAudit(ctx.deps);
  t.same(report.chains.audit.faults, [{ id: audit[1], content: false, link: true }, { id: audit[3], content: false, link: true }], 'the row after each gap');
  t.same(report.chains.audit.checkpoints.faults, [{ chain: 'audit', day: '2026-11-25', lastId: audit.at(-1), problem: 'rows_missing', expected: audit.length, found: audit.length - 2 }]);
  t.match(report.chains.timeline.checkpoints.faults, [{ problem: 'rows_missing', expected: events.length, found: events.length - 1 }]);
  const text = formatAuditReport(report).join('\n');
  t.match(text, new RegExp(`row ${audit[1]}: it does not link to the row before it`));
  t.match(text, /2026-11-25 \(up to id \d+\): \d+ rows recorded, \d+ found \(rows removed\)/);
  t.match(text, /result: ALTERED$/);
});

t.test('TRUNCATE: refused by the guard; done anyway, the checkpoints tell', async (t) => {
  const ctx = await setupApp(t, { env });
  await seed(ctx);
  await checkpoint(ctx);
  await t.rejects(ctx.db.pool.query('TRUNCATE audit_log'), /append-only/, 'even the owner meets the TRUNCATE trigger');
  await asOwnerUnguarded(ctx, 'audit_log', 'TRUNCATE audit_log');
  await asOwnerUnguarded(ctx, 'ticket_events', 'TRUNCATE ticket_events');
  const report = await verifyAudit(ctx.deps);
  t.equal(report.chains.audit.rows, 0, 'nothing left');
  t.same(report.chains.audit.faults, [], 'what is left (nothing) chains');
  t.match(report.chains.audit.checkpoints.faults, [{ problem: 'rows_missing', found: 0 }]);
  t.match(report.chains.timeline.checkpoints.faults, [{ problem: 'rows_missing', found: 0 }]);
  t.notOk(report.ok, 'the truncation is reported');
});

t.test('a chain recomputed after an edit verifies by itself; the signed checkpoint does not', async (t) => {
  const ctx = await setupApp(t, { env });
  await seed(ctx);
  await checkpoint(ctx);
  await asOwnerUnguarded(ctx, 'audit_log', `UPDATE audit_log SET actor = 'user:someone_else' WHERE id = (SELECT min(id) FROM audit_log)`);
  // Re-hash every row from the start, as anyone who can read the code could.
  const { rows } = await ctx.db.pool.query('SELECT id, at, actor, action, target, data FROM audit_log ORDER BY id');
  let prev = '0'.repeat(64);
  for (const r of rows) {
    const hash = auditHash(prev, r);
    await asOwnerUnguarded(ctx, 'audit_log', 'UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE id = $1', [r.id, prev, hash]);
    prev = hash;
  }
  const report = await verifyAudit(ctx.deps);
  t.same(report.chains.audit.faults, [], 'the chain alone cannot tell');
  t.match(report.chains.audit.checkpoints.faults, [{ problem: 'rows_differ' }], 'the checkpoint can');

  // Nor can a checkpoint be written to match without the key.
  const day = '2026-11-26';
  const state = await chainState(ctx.db.pool, 'audit', String(rows.at(-1).id));
  const guessed = 'a-guessed-key-that-is-not-the-real-one';
  await ctx.db.pool.query(
    `INSERT INTO audit_checkpoints (chain, day, last_id, row_count, last_hash, digest, key_id, signature) VALUES ('audit', $1, $2, $3, $4, $5, $6, $7)`,
    [day, state.lastId, state.rowCount, state.lastHash, state.digest, checkpointKeyId(guessed), signCheckpoint(guessed, 'audit', day, state)],
  );
  const forged = await verifyAudit(ctx.deps);
  t.same(
    forged.chains.audit.checkpoints.faults.map((f) => `${f.day} ${f.problem}`),
    ['2026-11-25 rows_differ', `${day} signature`],
    'a checkpoint signed with another key is named',
  );
  t.match(formatAuditReport(forged).join('\n'), new RegExp(`checkpoint ${day} \\(up to id \\d+\\): signed under another key`));
});

t.test('checkpoints wait for write transactions still open at their snapshot', async (t) => {
  const ctx = await setupApp(t, { env });
  const numbers = await seed(ctx);
  const { rows } = await ctx.db.pool.query('SELECT id::text FROM tickets WHERE ticket_no = ANY($1) ORDER BY id', [numbers]);
  const event = (note: string) => [{ type: 'commented', at: new Date(), actorId: null, actorLabel: '测试', note, public: false, data: {} }];
  const open = await ctx.deps.db.connect();
  try {
    await open.query('BEGIN');
    await open.query('UPDATE tickets SET updated_at = now() WHERE id = $1', [rows[0].id]); // takes its xid, as services do
    await insertEvents(open, rows[0].id, event('先取号，后提交')); // the lower id, committed last
    await insertEvents(ctx.deps.db, rows[1].id, event('后取号，先提交'));
    let done = false;
    const writing = checkpoint(ctx).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 400));
    t.notOk(done, 'the checkpoint waits');
    await open.query('COMMIT');
    await writing;
  } finally {
    open.release();
  }
  const report = await verifyAudit(ctx.deps);
  t.ok(report.ok, 'and counts the late commit below its boundary');
  t.same(report.chains.timeline.checkpoints.faults, []);
});

t.test('npm run cli -- audit:verify: every bad row on stdout, exit 1; intact, exit 0', async (t) => {
  const ctx = await setupApp(t, { env });
  await seed(ctx);
  await checkpoint(ctx);
  const cli = () =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit:verify'], {
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: ctx.db.appUrl, MIGRATION_DATABASE_URL: ctx.db.url, AUDIT_CHECKPOINT_KEY: KEY, LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('exit', (code) => resolve({ code, out }));
    });
  const intact = await cli();
  t.equal(intact.code, 0, intact.out);
  t.match(intact.out, /result: intact/);
  const audit = await ids(ctx, 'audit_log');
  await asOwnerUnguarded(ctx, 'audit_log', `UPDATE audit_log SET actor = 'x' WHERE id = ANY($1)`, [[audit[0], audit[4]]]);
  const altered = await cli();
  t.equal(altered.code, 1, altered.out);
  t.match(altered.out, new RegExp(`row ${audit[0]}: its content does not match its hash`));
  t.match(altered.out, new RegExp(`row ${audit[4]}: its content does not match its hash`));
  t.match(altered.out, /result: ALTERED/);
});
