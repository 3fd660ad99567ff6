// Triage end to end (SPEC §17): messages pushed by the fake platform, their photo and recording
// fetched by the real workers from the fake media API (its tokens expire), listed for a clerk,
// registered as one ticket through the registration service (attachments moved, the group robot
// answering once, paced, the nickname masked), replays and conflicts, dismissal — and a callback
// answered in time while the media server takes 6 s.
import t from 'tap';
import { json, setupApp, staffSession } from '../helpers/app.js';
import { setupWorkers, waitFor, waitForJobsDone } from '../helpers/workers.js';
import { encryptedPush, newEncodingAesKey, plainPush, startFakeWeCom, wxXml, type CallbackAccount } from '../helpers/fake-wecom.js';
import { amrBytes, jpegWithGps } from '../helpers/files.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';

const fake = await startFakeWeCom();
t.teardown(() => fake.close());
const WECOM: CallbackAccount = { token: 'triageToken', aesKey: newEncodingAesKey(), receiverId: 'wwTriageCorp' };
const MP: CallbackAccount = { token: 'triageMp', aesKey: newEncodingAesKey(), receiverId: 'wxTriageApp' };
fake.credentials.set(WECOM.receiverId, 'corp-secret-0123456789');
fake.credentials.set(MP.receiverId, 'app-secret-0123456789');
const GROUP = 'wrkGroupDongshan01';
const QUIET_GROUP = 'wrkGroupNoRobot02';
fake.media.set('photo-1', { bytes: await jpegWithGps(800, 600), type: 'image/jpeg' });
fake.media.set('voice-1', { bytes: amrBytes(4000), type: 'audio/amr' });
fake.media.set('slow-1', { bytes: await jpegWithGps(400, 300), type: 'image/jpeg' });

const ctx = await setupApp(t, {
  env: {
    WECOM_CALLBACK_TOKEN: WECOM.token, WECOM_CALLBACK_AES_KEY: WECOM.aesKey, WECOM_CORP_ID: WECOM.receiverId, WECOM_CORP_SECRET: 'corp-secret-0123456789',
    WECHAT_MP_TOKEN: MP.token, WECHAT_MP_AES_KEY: MP.aesKey, WECHAT_MP_APPID: MP.receiverId, WECHAT_MP_APPSECRET: 'app-secret-0123456789',
    WECOM_API_BASE: fake.base, WECHAT_MP_API_BASE: fake.base,
    WECOM_GROUP_ROBOTS: JSON.stringify({ [GROUP]: fake.url('dongshan-robot') }),
    TOWNSHIP_NAME: '东山镇', PUBLIC_BASE_URL: 'https://huiying.example.cn',
  },
});
await setupWorkers(t, ctx);
const clerk = await staffSession(ctx, ['clerk']);

async function push(path: 'wecom' | 'wechat-mp', p: { query: string; body: string }) {
  const started = Date.now();
  const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/${path}?${p.query}`, headers: { 'content-type': 'text/xml' }, payload: p.body });
  if (res.statusCode !== 200) throw new Error(`push: ${res.statusCode} ${res.body}`);
  return Date.now() - started;
}
const list = async (status = 'pending') => {
  const res = await ctx.app.inject({ method: 'GET', url: `/api/v1/intake/messages?status=${status}`, headers: clerk.headers });
  if (res.statusCode !== 200) throw new Error(res.body);
  return json(res) as { items: any[]; nextCursor: string | null };
};
const idOf = async (dedupeKey: string) => (await ctx.db.pool.query('SELECT id::text FROM intake_messages WHERE dedupe_key = $1', [dedupeKey])).rows[0].id as string;
const register = (body: Record<string, unknown>) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/intake/messages/register', headers: clerk.headers, payload: body });

t.test('messages with a photo and a recording, fetched by the workers, listed newest first', async (t) => {
  await push('wecom', encryptedPush(WECOM, wxXml.robotText({ chatId: GROUP, userId: 'wangwu', name: '王老五', msgId: 'g-1', content: '@小助手 东山村3组路口的路灯坏了一个月了' })));
  ctx.clock.advance(1000);
  await push('wecom', encryptedPush(WECOM, wxXml.robotImage({ chatId: GROUP, userId: 'wangwu', name: '王老五', msgId: 'g-2', mediaId: 'photo-1' })));
  ctx.clock.advance(1000);
  await push('wechat-mp', encryptedPush(MP, wxXml.voice({ from: 'oMpUser0001abcdef', msgId: '5001', mediaId: 'voice-1', recognition: '村里的垃圾好几天没人清运了' })));
  // The first token the workers fetch is then declared expired by the platform: they fetch another.
  await waitFor('the photo stored', async () => (await ctx.db.pool.query(`SELECT 1 FROM intake_messages WHERE dedupe_key = 'msg:g-2' AND media_status = 'stored'`)).rows.length > 0, 15_000);
  fake.expireTokens();
  await waitForJobsDone(ctx, { topic: 'intake-media' });
  const { items } = await list();
  t.same(items.map((i) => i.text), ['村里的垃圾好几天没人清运了', null, '@小助手 东山村3组路口的路灯坏了一个月了'], 'newest first');
  t.match(items[0], { source: 'wechat_mp', msgType: 'voice', group: null, sender: 'oMpU****cdef', mediaStatus: 'stored', status: 'pending', attachments: [{ kind: 'audio', mime: 'audio/amr' }] });
  t.match(items[1], { source: 'wecom', msgType: 'image', group: GROUP, sender: '王老五', attachments: [{ kind: 'image', mime: 'image/jpeg' }] });
  t.notMatch(JSON.stringify(items), /oMpUser0001abcdef|wangwu/, 'account ids never leave unmasked');
  t.ok(fake.tokenRequests >= 2, `tokens fetched again after expiry (${fake.tokenRequests})`);
  const jobs = await ctx.db.pool.query(`SELECT payload FROM outbox WHERE topic = 'intake-media'`);
  t.equal(jobs.rows.length, 2);
  t.ok(jobs.rows.every((r) => Object.keys(r.payload).join() === 'messageId' && /^\d+$/.test(r.payload.messageId)), 'media jobs carry the message id only');
});

let ticketNo = '';
t.test('two messages become one ticket: wechat fields, attachments moved, messages marked, robot answers once', async (t) => {
  const ids = [await idOf('msg:g-1'), await idOf('msg:g-2')];
  const res = await register({ messageIds: ids, kind: 'complaint', villageCode: 'dongshan', categoryCode: 'road' });
  t.equal(res.statusCode, 201, res.body);
  const body = json(res);
  ticketNo = body.ticketNo;
  t.match(body, { channel: 'wechat_group', source: 'wechat', content: '@小助手 东山村3组路口的路灯坏了一个月了\n[图片]', messageIds: ids });
  const ticket = await ctx.db.pool.query(`SELECT wechat, source, channel FROM tickets WHERE ticket_no = $1`, [ticketNo]);
  t.same(ticket.rows[0].wechat, { group: GROUP, sender: '王老五', messageId: 'g-1' }, 'group, sender and message id from the protocol');
  const files = await ctx.db.pool.query(`SELECT a.kind FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.ticket_no = $1`, [ticketNo]);
  t.same(files.rows.map((r) => r.kind), ['image'], 'the photo is the ticket\'s');
  const { items } = await list('registered');
  t.same(items.map((i) => i.ticketNo), [ticketNo, ticketNo]);
  t.same((await list()).items.length, 1, 'one message still pending');

  await waitForJobsDone(ctx, { topic: 'intake-robot' });
  await waitFor('the robot post', async () => fake.posts.length >= 1);
  t.equal(fake.posts.length, 1);
  const post = fake.posts[0];
  t.match(post.path, /key=dongshan-robot$/);
  t.equal(post.content, `【东山镇】@王** 您反映的问题已登记，工单号 ${formatTicketNo(ticketNo)}。办理进度可在 https://huiying.example.cn/track?no=${ticketNo} 查询（需手机号后4位或回执上的查询码，请勿在群内公开）。`);
  t.notMatch(post.content, /王老五|wangwu/, 'the nickname masked');
  await waitFor('delivered', async () => json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${ticketNo}`, headers: clerk.headers })).robotAnswer?.status === 'delivered');
  const view = json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${ticketNo}`, headers: clerk.headers }));
  t.match(view.robotAnswer, { status: 'delivered', attempts: 1, text: post.content }, 'staff see the answer and its state on the ticket');
  const page = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${ticketNo}`, headers: { cookie: clerk.headers.cookie } });
  t.match(page.body, /群机器人回复[\s\S]*已在群内回复/, 'and on the ticket page');
  t.ok(Buffer.byteLength(post.content) <= 2048);
  const robotJobs = await ctx.db.pool.query(`SELECT payload FROM outbox WHERE topic = 'intake-robot'`);
  t.same(robotJobs.rows.map((r) => r.payload), [{ ticketId: (await ctx.db.pool.query('SELECT id::text FROM tickets WHERE ticket_no = $1', [ticketNo])).rows[0].id }], 'ids only');
});

t.test('replays, conflicts and bad requests', async (t) => {
  const ids = [await idOf('msg:g-2'), await idOf('msg:g-1')];
  const again = await register({ messageIds: ids, kind: 'complaint', villageCode: 'dongshan', categoryCode: 'road' });
  t.equal(again.statusCode, 201, 'the same messages and body: the same answer');
  t.equal(again.headers['idempotent-replayed'], 'true');
  t.equal(json(again).ticketNo, ticketNo);
  const other = await register({ messageIds: ids, kind: 'help' });
  t.equal(other.statusCode, 409);
  t.match(json(other), { code: 'CONFLICT', messages: [{ id: ids[1], status: 'registered', ticketNo }], details: [{ path: 'messageIds', message: new RegExp(ticketNo) }] });
  const overlap = await register({ messageIds: [ids[0], await idOf('msg:5001')], kind: 'help' });
  t.equal(overlap.statusCode, 409, 'one of them already registered');
  t.equal((await list()).items.length, 1, 'the other one is still pending: nothing happened');
  const unknown = await register({ messageIds: ['999999'], kind: 'help' });
  t.equal(unknown.statusCode, 404);
  const bad = await register({ messageIds: [], kind: 'help', channel: 'phone' });
  t.equal(bad.statusCode, 400);
  t.ok(json(bad).details.some((d: { path: string }) => d.path === 'messageIds'), 'names messageIds');
  const { rows } = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM tickets WHERE source = 'wechat'`);
  t.equal(rows[0].n, 1, 'one ticket in all');
  await waitForJobsDone(ctx);
  t.equal(fake.posts.length, 1, 'the robot answered once');
});

t.test('dismiss with a reason; a second dismissal or a registration of it is refused', async (t) => {
  const id = await idOf('msg:5001');
  const none = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/messages/${id}/dismiss`, headers: clerk.headers, payload: {} });
  t.equal(none.statusCode, 400);
  t.match(json(none).details, [{ path: 'reason' }]);
  const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/messages/${id}/dismiss`, headers: clerk.headers, payload: { reason: '重复反映，已在电话登记' } });
  t.equal(res.statusCode, 200, res.body);
  t.match(json(res), { id, status: 'dismissed', dismissReason: '重复反映，已在电话登记' });
  const same = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/messages/${id}/dismiss`, headers: clerk.headers, payload: { reason: '重复反映，已在电话登记' } });
  t.equal(same.statusCode, 200, 'the same dismissal again answers the same');
  const other = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/messages/${id}/dismiss`, headers: clerk.headers, payload: { reason: '另一个理由' } });
  t.equal(other.statusCode, 409);
  t.equal((await register({ messageIds: [id], kind: 'help' })).statusCode, 409, 'a dismissed message is not registered');
  t.same((await list('dismissed')).items.map((i) => i.id), [id]);
});

t.test('robot answers are paced per robot (one every 3 s) and only where a robot serves the group', async (t) => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    await push('wecom', encryptedPush(WECOM, wxXml.robotText({ chatId: GROUP, userId: `u${i}`, name: `村民${i}`, msgId: `pace-${i}`, content: `村口第${i}处水管漏水很久了` })));
    ids.push(await idOf(`msg:pace-${i}`));
  }
  await push('wecom', encryptedPush(WECOM, wxXml.robotText({ chatId: QUIET_GROUP, userId: 'q', name: '李四', msgId: 'quiet-1', content: '桥上的栏杆松动了，很危险' })));
  for (const id of ids) t.equal((await register({ messageIds: [id], kind: 'help' })).statusCode, 201);
  t.equal((await register({ messageIds: [await idOf('msg:quiet-1')], kind: 'help' })).statusCode, 201);
  const due = await ctx.db.pool.query(`SELECT due_at FROM intake_robot_deliveries ORDER BY due_at`);
  t.equal(due.rows.length, 4, 'no robot for the quiet group: 1 + 3 answers');
  const last3 = due.rows.slice(1).map((r) => new Date(r.due_at).getTime());
  t.ok(last3[1] - last3[0] >= 3000 && last3[2] - last3[1] >= 3000, 'spaced 3 s apart: never past 20 a minute');
  ctx.clock.advance(10_000);
  await waitForJobsDone(ctx, { topic: 'intake-robot', timeoutMs: 20_000 });
  t.equal(fake.posts.length, 4);
});

t.test('two clerks registering overlapping messages at once: one ticket, one 409', async (t) => {
  for (const n of [1, 2, 3]) await push('wechat-mp', plainPush(MP, wxXml.text({ from: 'oRace', msgId: `770${n}`, content: `并发登记测试消息${n}，村口路面积水` })));
  const [a, b, c] = [await idOf('msg:7701'), await idOf('msg:7702'), await idOf('msg:7703')];
  const other = await staffSession(ctx, ['supervisor']);
  const before = (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM tickets`)).rows[0].n;
  const [r1, r2] = await Promise.all([
    register({ messageIds: [a, b], kind: 'help' }),
    ctx.app.inject({ method: 'POST', url: '/api/v1/intake/messages/register', headers: other.headers, payload: { messageIds: [b, c], kind: 'help' } }),
  ]);
  t.same([r1.statusCode, r2.statusCode].sort(), [201, 409], `${r1.statusCode} ${r2.statusCode}`);
  t.equal((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM tickets`)).rows[0].n, before + 1, 'one ticket');
  const statuses = (await ctx.db.pool.query(`SELECT status FROM intake_messages WHERE id = ANY($1::bigint[]) ORDER BY id`, [[a, b, c]])).rows.map((r) => r.status);
  t.equal(statuses.filter((s) => s === 'registered').length, 2, 'the winner\'s two messages registered, the third still pending');
});

t.test('a media server taking 6 s: the callback is still answered at once, the photo arrives later', async (t) => {
  fake.mediaDelayMs = 6000;
  const ms = await push('wechat-mp', plainPush(MP, wxXml.image({ from: 'oSlowUser', msgId: '6001', mediaId: 'slow-1' })));
  t.ok(ms < 2000, `answered in ${ms} ms while the media fetch waits`);
  // While the worker is still waiting on the media server, other callbacks are answered at once too.
  const second = await push('wechat-mp', plainPush(MP, wxXml.text({ from: 'oSlowUser', msgId: '6002', content: '照片在上一条' })));
  t.ok(second < 2000, `and the next one in ${second} ms`);
  // Registered before its photo arrived: the photo still ends up on the ticket.
  const early = await register({ messageIds: [await idOf('msg:6001'), await idOf('msg:6002')], kind: 'help', content: '村口排水沟堵了，照片在上一条' });
  t.equal(early.statusCode, 201, early.body);
  await waitFor('the slow photo stored', async () => (await ctx.db.pool.query(`SELECT 1 FROM intake_messages WHERE dedupe_key = 'msg:6001' AND media_status = 'stored'`)).rows.length > 0, 20_000);
  fake.mediaDelayMs = 0;
  const files = await ctx.db.pool.query(`SELECT a.kind FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.ticket_no = $1`, [json(early).ticketNo]);
  t.same(files.rows.map((r) => r.kind), ['image'], 'the late photo is the ticket\'s too');
});

t.test('who may triage: clerk and supervisor', async (t) => {
  for (const [roles, status] of [[['handler'], 403], [['leader'], 403], [['admin'], 403], [['supervisor'], 200]] as const) {
    const s = await staffSession(ctx, [...roles], roles[0] === 'handler' ? 'cj' : null);
    const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/intake/messages', headers: s.headers });
    t.equal(res.statusCode, status, roles.join());
  }
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/v1/intake/messages' })).statusCode, 401);
});
