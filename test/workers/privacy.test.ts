// No personal data in job payloads, queue storage (Redis keys and values, or BullMQ's PostgreSQL
// tables) or log lines, after a full lifecycle with every kind of job (SPEC §10, §14).
import t from 'tap';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { json, registrationRequest, setupApp, staffSession } from '../helpers/app.js';
import { actOk } from '../helpers/tickets.js';
import { BACKENDS, setupWorkers, waitFor } from '../helpers/workers.js';
import { loggerOptions } from '../../src/logging.js';
import { encryptedPush, newEncodingAesKey, plainPush, startFakeWeCom, wxXml } from '../helpers/fake-wecom.js';
import { jpegWithGps } from '../helpers/files.js';

const NAME = '欧阳明华';
const PHONE = '13912345678';
const ADDRESS = '东山村五组十二号';
// WeChat (SPEC §17): an Official Account OpenID, a WeCom UserID (the nickname is NAME).
const OPENID = 'oPrivacyOpenId0123456789';
const USERID = 'privacyUserId7';
const SECRETS = [NAME, PHONE, ADDRESS, '139****5678', '欧阳某', OPENID, USERID];

async function queueStorageDump(backend: string, prefix: string, databaseUrl: string, pool: import('pg').Pool): Promise<string> {
  if (backend === 'redis') {
    const redis = new Redis(process.env.REDIS_URL as string);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      let dump = keys.join('\n');
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'string') dump += await redis.get(key);
        else if (type === 'hash') dump += JSON.stringify(await redis.hgetall(key));
        else if (type === 'list') dump += JSON.stringify(await redis.lrange(key, '0', '-1'));
        else if (type === 'zset') dump += JSON.stringify(await redis.zrange(key, '0', '-1'));
        else if (type === 'set') dump += JSON.stringify(await redis.smembers(key));
        else if (type === 'stream') dump += JSON.stringify(await redis.xrange(key, '-', '+'));
      }
      return dump;
    } finally {
      await redis.quit();
    }
  }
  void databaseUrl;
  const schema = `bullmq_${prefix}`;
  const { rows: tables } = await pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
  let dump = '';
  for (const { table_name } of tables) {
    const { rows } = await pool.query(`SELECT row_to_json(x)::text AS j FROM "${schema}"."${table_name}" x`);
    dump += rows.map((r) => r.j).join('\n');
  }
  t.ok(tables.length > 0, `BullMQ tables found in ${schema}`);
  return dump;
}

for (const backend of BACKENDS) {
  t.test(`no personal data leaves Postgres (${backend})`, async (t) => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const logger = pino(loggerOptions('trace'), sink);
    const fake = await startFakeWeCom();
    t.teardown(() => fake.close());
    const wecom = { token: 'privacyToken', aesKey: newEncodingAesKey(), receiverId: 'wwPrivacyCorp' };
    fake.credentials.set(wecom.receiverId, 'privacy-secret-01');
    fake.media.set('privacy-photo', { bytes: await jpegWithGps(400, 300), type: 'image/jpeg' });
    const ctx = await setupApp(t, {
      logger,
      env: {
        WECOM_CALLBACK_TOKEN: wecom.token, WECOM_CALLBACK_AES_KEY: wecom.aesKey, WECOM_CORP_ID: wecom.receiverId,
        WECOM_CORP_SECRET: 'privacy-secret-01', WECOM_API_BASE: fake.base, WECHAT_MP_TOKEN: 'privacyMp',
        WECOM_GROUP_ROBOTS: JSON.stringify({ wrkPrivacyGroup: fake.url('privacy-robot') }),
      },
    });
    const prefix = `p${randomBytes(4).toString('hex')}`;
    await setupWorkers(t, ctx, { backend, prefix, log: logger });
    const clerk = await staffSession(ctx, ['clerk']);
    const handler = await staffSession(ctx, ['handler'], 'sw');

    // A refused registration carrying the personal data, and the real one.
    await ctx.app.inject(registrationRequest(clerk, { channel: 'fax', kind: 'help', content: `我叫${NAME}，电话${PHONE}`, complainant: { name: NAME, phone: PHONE } }));
    const res = await ctx.app.inject(
      registrationRequest(clerk, {
        channel: 'phone', kind: 'help', content: `我是${NAME}，家里停水了，电话${PHONE}`, categoryCode: 'drinking_water',
        villageCode: 'dongshan', address: ADDRESS, complainant: { name: NAME, phone: PHONE },
      }),
    );
    const no = json(res).ticketNo;
    await waitFor('assignment', async () => json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}`, headers: clerk.headers })).status === 'assigned');
    await actOk(ctx, handler, no, 'accept');
    await actOk(ctx, handler, no, 'request_extension', { workingDays: 2, reason: '等待配件' });
    const supervisor = await staffSession(ctx, ['supervisor']);
    await actOk(ctx, supervisor, no, 'decide_extension', { approve: true });
    await actOk(ctx, handler, no, 'reply', { reply: '已修复', result: 'resolved' });
    await ctx.app.inject({ method: 'GET', url: `/api/v1/public/tickets/${no}?verify=5678` });
    await ctx.app.inject({ method: 'GET', url: `/api/v1/public/tickets/${no}?verify=0000` });
    await ctx.app.inject({ method: 'POST', url: `/api/v1/public/tickets/${no}/feedback`, payload: { verify: '5678', resolved: false, satisfaction: 'dissatisfied', comment: `${NAME}不满意` } });
    await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}?unmask=true`, headers: clerk.headers });
    await waitFor('every SMS recorded', async () => {
      const { rows } = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE status = 'sent'`);
      return rows[0].n >= 5;
    });
    // WeChat: the resident's OpenID and words, a group member's UserID, nickname and photo, one
    // ticket from them, and the robot's answer in the group.
    const callbacks = [
      ['wechat-mp', plainPush({ token: 'privacyMp' }, wxXml.text({ from: OPENID, msgId: '4401', content: `我是${NAME}，电话${PHONE}，${ADDRESS}停水了` }))],
      ['wecom', encryptedPush(wecom, wxXml.robotText({ chatId: 'wrkPrivacyGroup', userId: USERID, name: NAME, msgId: 'pv-1', content: `${ADDRESS}的水管爆了` }))],
      ['wecom', encryptedPush(wecom, wxXml.robotImage({ chatId: 'wrkPrivacyGroup', userId: USERID, name: NAME, msgId: 'pv-2', mediaId: 'privacy-photo' }))],
    ] as const;
    for (const [path, p] of callbacks) {
      const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/${path}?${p.query}`, headers: { 'content-type': 'text/xml' }, payload: p.body });
      t.equal(r.statusCode, 200, `${path} callback`);
    }
    await waitFor('the WeChat photo', async () => (await ctx.db.pool.query(`SELECT 1 FROM intake_messages WHERE media_status = 'stored'`)).rows.length > 0, 15_000);
    const ids = (await ctx.db.pool.query(`SELECT id::text FROM intake_messages ORDER BY id`)).rows.map((r) => r.id);
    const wx = await ctx.app.inject({ method: 'POST', url: '/api/v1/intake/messages/register', headers: clerk.headers, payload: { messageIds: ids, kind: 'help', villageCode: 'dongshan' } });
    t.equal(wx.statusCode, 201, wx.body);
    await waitFor('the robot\'s answer', async () => fake.posts.length === 1, 10_000);
    t.notOk(SECRETS.some((s) => fake.posts[0].content.includes(s)), 'the group reads no name, id, phone or address');

    const { rows: pending } = await ctx.db.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
    t.equal(pending[0].n, 0, 'the relay published everything');

    const { rows: payloads } = await ctx.db.pool.query('SELECT payload::text AS p FROM outbox');
    const storage = await queueStorageDump(backend, prefix, ctx.db.url, ctx.db.pool);
    const logText = lines.join('');
    t.ok(payloads.length >= 8, `${payloads.length} outbox payloads scanned`);
    t.ok(storage.length > 1000, `${storage.length} characters of queue storage scanned`);
    t.ok(lines.length > 10, `${lines.length} log lines scanned`);
    for (const secret of SECRETS) {
      t.notOk(payloads.some((r) => r.p.includes(secret)), `no "${secret}" in job payloads`);
      t.notOk(storage.includes(secret), `no "${secret}" in queue storage`);
      t.notOk(logText.includes(secret), `no "${secret}" in the logs`);
    }
    t.notOk(logText.includes('verify=5678'), 'lookup verification digits are not logged');
  });
}
