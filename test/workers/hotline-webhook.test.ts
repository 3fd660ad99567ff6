// Reporting back to the 12345 platform (SPEC §15) with the real workers on each queue backend,
// against a local fake platform that checks the HMAC signature: return, approved extension, report
// up (SPEC §18), reply and close each delivered exactly once, through a platform that fails first and then recovers,
// a queue flushed between publish and processing, and a re-run after success; the delivery state
// on the staff ticket page; no personal data in job payloads or bodies.
import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { createStaff, json, login, setupApp, type TestContext } from '../helpers/app.js';
import { actOk } from '../helpers/tickets.js';
import { BACKENDS, setupWorkers, waitFor } from '../helpers/workers.js';
import { startFakeHotline, type FakeHotline } from '../helpers/fake-hotline.js';
import { createQueueKit } from '../../src/queue/backend.js';
import { QUEUE_NAMES } from '../../src/queue/names.js';
import { startRelay } from '../../src/queue/relay.js';
import { prepareQueueSchema } from '../../src/db/queue-schema.js';

const SECRET = 'f3a9c1e7b5d24a6c8e0b';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
let seq = 0;

async function scene(t: Test) {
  const ctx = await setupApp(t);
  const admin = await login(ctx, await createStaff(ctx, ['admin', 'clerk', 'supervisor']));
  const key = json(await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: admin.headers, payload: { name: '12345', scopes: ['intake:hotline'] } })).key;
  const handler = await login(ctx, await createStaff(ctx, ['handler'], 'cj'));
  const handler2 = await login(ctx, await createStaff(ctx, ['handler'], 'sw'));
  const push = async () => {
    const externalNo = `GD-${randomBytes(3).toString('hex')}-${++seq}`;
    const res = await ctx.app.inject({
      method: 'POST', url: '/api/v1/intake/hotline', headers: { authorization: `Bearer ${key}` },
      payload: { externalNo, receivedAt: '2026-11-25T08:05:00+08:00', kind: 'help', content: '村口路灯坏了一个多月，晚上看不见路', complainant: { name: '钱七', phone: '13911112222' }, area: '东山村' },
    });
    if (res.statusCode !== 201) throw new Error(res.body);
    return { ticketNo: json(res).ticketNo as string, externalNo };
  };
  return { ctx, admin, handler, handler2, push };
}

async function delivered(ctx: TestContext, n: number) {
  await waitFor(`${n} deliveries marked delivered`, async () => {
    const { rows } = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM hotline_deliveries WHERE status = 'delivered'`);
    return rows[0].n >= n;
  }, 30_000);
}

const events = (fake: FakeHotline) => fake.deliveries.map((d) => `${d.body.externalNo}:${d.body.event}`).sort();

for (const backend of BACKENDS) {
  t.test(`every report once, through failures (${backend})`, async (t) => {
    const { ctx, admin, handler, handler2, push } = await scene(t);
    const fake = await startFakeHotline({ secret: SECRET, failFirst: 2 });
    t.teardown(() => fake.close());
    await setupWorkers(t, ctx, { backend, config: { HOTLINE_WEBHOOK_URL: fake.url, HOTLINE_WEBHOOK_SECRET: SECRET } });

    const { ticketNo, externalNo } = await push();
    await actOk(ctx, admin, ticketNo, 'assign', { departmentCode: 'cj', categoryCode: 'road' });
    await actOk(ctx, handler, ticketNo, 'return', { reasonCode: 'wrong_function', reason: '路灯归供水站管？请转水务站' });
    await actOk(ctx, admin, ticketNo, 'decide_return', { accept: true, departmentCode: 'sw' });
    await actOk(ctx, handler2, ticketNo, 'accept', {});
    await actOk(ctx, handler2, ticketNo, 'request_extension', { workingDays: 3, reason: '需等配件到货' });
    await actOk(ctx, admin, ticketNo, 'decide_extension', { approve: true });
    // SPEC §18: reporting up (上报/吹哨) is reported back too, with its reason.
    await actOk(ctx, admin, ticketNo, 'report_up', { reason: '涉及县级电网改造，超出乡镇职权' });
    await actOk(ctx, handler2, ticketNo, 'reply', { reply: '路灯已于今日修复，感谢反映。', result: 'resolved' });
    await actOk(ctx, admin, ticketNo, 'record_followup', { resolved: true, satisfaction: 'satisfied' });
    await delivered(ctx, 5);

    t.same(events(fake), ['closed', 'extension_approved', 'replied', 'reported_up', 'returned'].map((e) => `${externalNo}:${e}`), 'each event exactly once');
    t.ok(fake.attempts >= 6, `the first 2 posts failed and were retried (${fake.attempts} attempts)`);
    t.equal(fake.badSignatures, 0, 'every signature checks');
    const byEvent = Object.fromEntries(fake.deliveries.map((d) => [d.body.event, d.body]));
    t.same(byEvent.returned, { externalNo, ticketNo, event: 'returned', at: byEvent.returned.at, departmentName: '村镇建设办', reason: '路灯归供水站管？请转水务站' });
    t.equal(byEvent.extension_approved.reason, '需等配件到货');
    t.equal(byEvent.replied.reply, '路灯已于今日修复，感谢反映。');
    t.equal(byEvent.replied.result, 'resolved');
    t.equal(byEvent.replied.departmentName, '水务站');
    t.equal(byEvent.closed.outcome, 'resolved');
    t.same(byEvent.reported_up, { externalNo, ticketNo, event: 'reported_up', at: byEvent.reported_up.at, departmentName: '水务站', reason: '涉及县级电网改造，超出乡镇职权' });
    const all = fake.deliveries.map((d) => d.raw).join('\n');
    for (const secret of ['钱七', '13911112222', '路灯坏了一个多月']) t.notOk(all.includes(secret), `no ${secret} in the bodies`);
    const { rows: payloads } = await ctx.db.pool.query(`SELECT payload::text AS p FROM outbox WHERE topic = 'hotline'`);
    t.equal(payloads.length, 5);
    t.ok(payloads.every((r) => /^\{"event": "[a-z_]+", "round": \d+, "ticketId": "\d+"\}$/.test(r.p)), 'ids only in the job payloads');

    const { rows: states } = await ctx.db.pool.query(`SELECT event, status, attempts FROM hotline_deliveries ORDER BY id`);
    t.ok(states.every((s) => s.status === 'delivered'));
    t.ok(states.reduce((n, s) => n + s.attempts, 0) >= 6, 'failed attempts counted');
    const page = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${ticketNo}`, headers: admin.headers });
    t.match(page.body, /12345 办理反馈/);
    t.equal(page.body.split('已推送').length - 1, 5, 'five rows 已推送');
    const api = json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${ticketNo}`, headers: admin.headers }));
    t.equal(api.hotlineDeliveries.length, 5);

    // A second round (reopened and replied again) is a new report; a local ticket posts nothing.
    await actOk(ctx, admin, ticketNo, 'reopen', { reason: '群众来电反映又坏了' });
    await actOk(ctx, handler2, ticketNo, 'accept', {});
    await actOk(ctx, handler2, ticketNo, 'reply', { reply: '已更换整套灯具。', result: 'resolved' });
    await delivered(ctx, 6);
    t.equal(fake.deliveries.filter((d) => d.body.event === 'replied').length, 2, 'the second reply is reported too');
  });

  t.test(`a platform down shows 推送失败重试中; the queue flushed before processing and a re-run after success post once (${backend})`, async (t) => {
    const { ctx, admin, handler, push } = await scene(t);
    const fake = await startFakeHotline({ secret: SECRET });
    t.teardown(() => fake.close());
    const { ticketNo, externalNo } = await push();
    await actOk(ctx, admin, ticketNo, 'assign', { departmentCode: 'cj', categoryCode: 'road' });
    await actOk(ctx, handler, ticketNo, 'accept', {});
    await actOk(ctx, handler, ticketNo, 'reply', { reply: '已修复。', result: 'resolved' });
    const before = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${ticketNo}`, headers: admin.headers });
    t.match(before.body, /待推送/, 'pending before any worker runs');

    // Published, then the queue storage is flushed before any worker took the job.
    const prefix = `h${randomBytes(4).toString('hex')}`;
    const redisUrl = backend === 'redis' ? process.env.REDIS_URL : undefined;
    if (!redisUrl) await prepareQueueSchema({ ownerUrl: ctx.db.url, appUrl: ctx.db.appUrl, prefix });
    const flush = async () => {
      const kit = createQueueKit({ redisUrl, databaseUrl: ctx.db.url, prefix });
      for (const name of QUEUE_NAMES) await kit.queue(name).obliterate({ force: true });
      await kit.close();
    };
    const kit = createQueueKit({ redisUrl, databaseUrl: ctx.db.url, prefix });
    const relay = startRelay({ db: ctx.db.pool, clock: ctx.clock, log: quiet }, kit, { intervalMs: 60_000, reconcileEveryMs: 3_600_000 });
    await relay.drain();
    await relay.stop();
    await kit.close();
    await flush();

    fake.failNext(1_000);
    const config = { HOTLINE_WEBHOOK_URL: fake.url, HOTLINE_WEBHOOK_SECRET: SECRET, QUEUE_RECONCILE_MS: 60_000 };
    const workers = await setupWorkers(t, ctx, { backend, prefix, config });
    ctx.clock.advance(2 * 60_000);
    await workers.relay.reconcile();
    await waitFor('a failed attempt recorded', async () => fake.attempts > 0 && (await ctx.db.pool.query(`SELECT 1 FROM hotline_deliveries WHERE status = 'retrying'`)).rowCount, 15_000);
    const failing = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${ticketNo}`, headers: admin.headers });
    t.match(failing.body, /推送失败重试中/);
    fake.failNext(0);
    await delivered(ctx, 1);
    t.same(events(fake), [`${externalNo}:replied`], 'delivered once after recovering');

    // A crash after the post but before the job was marked done: the reconciler republishes the
    // undone row (the queue flushed meanwhile); the delivery table makes the re-run a no-op.
    await waitFor('the job marked done', async () => (await ctx.db.pool.query(`SELECT 1 FROM outbox WHERE topic = 'hotline' AND done_at IS NOT NULL`)).rowCount);
    await ctx.db.pool.query(`UPDATE outbox SET done_at = NULL WHERE topic = 'hotline'`);
    await flush();
    ctx.clock.advance(2 * 60_000);
    t.ok((await workers.relay.reconcile()) >= 1, 'republished');
    await waitFor('the re-run done', async () => (await ctx.db.pool.query(`SELECT 1 FROM outbox WHERE topic = 'hotline' AND done_at IS NOT NULL`)).rowCount, 15_000);
    t.equal(fake.deliveries.length, 1, 'not posted again');
    const after = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${ticketNo}`, headers: admin.headers });
    t.match(after.body, /已推送/);
  });
}

t.test('without HOTLINE_WEBHOOK_URL: recorded as not configured, nothing retried', async (t) => {
  const { ctx, admin, handler, push } = await scene(t);
  await setupWorkers(t, ctx, { config: { HOTLINE_WEBHOOK_URL: undefined, HOTLINE_WEBHOOK_SECRET: undefined } });
  const { ticketNo } = await push();
  await actOk(ctx, admin, ticketNo, 'assign', { departmentCode: 'cj', categoryCode: 'road' });
  await actOk(ctx, handler, ticketNo, 'accept', {});
  await actOk(ctx, handler, ticketNo, 'reply', { reply: '已修复。', result: 'resolved' });
  await waitFor('recorded', async () => (await ctx.db.pool.query(`SELECT 1 FROM hotline_deliveries WHERE status = 'not_configured'`)).rowCount, 15_000);
  const page = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${ticketNo}`, headers: admin.headers });
  t.match(page.body, /未配置推送地址/);
});
