// The WeChat / WeCom callbacks end to end (SPEC §17): the platforms' requests made by a fake
// platform that signs and encrypts as they do (@wecom/crypto), WeCom's published sample replayed
// as is, URL verification, every message type, wrong signatures (401, nothing stored), retries
// stored once, key rotation, hostile bodies — and no OpenID in the log.
import t from 'tap';
import { Writable } from 'node:stream';
import pino from 'pino';
import { setupApp } from '../helpers/app.js';
import {
  encryptedPush, jsonRobotPush, mpVerification, newEncodingAesKey, plainPush, wecomVerification, wxXml, type CallbackAccount,
} from '../helpers/fake-wecom.js';
import { OFFICIAL, OFFICIAL_PUSH, OFFICIAL_VERIFY } from '../fixtures/wecom-vectors.js';
import { loggerOptions } from '../../src/logging.js';

const MP: CallbackAccount = { token: 'mpToken2026', aesKey: newEncodingAesKey(), receiverId: 'wx9f1c2e3d4b5a6978' };
const MP_PREVIOUS = newEncodingAesKey();
const WECOM: CallbackAccount = OFFICIAL;

const logLines: string[] = [];
const logger = pino(
  { ...loggerOptions('info') },
  new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } }),
);
const ctx = await setupApp(t, {
  logger,
  env: {
    WECOM_CALLBACK_TOKEN: WECOM.token, WECOM_CALLBACK_AES_KEY: WECOM.aesKey, WECOM_CORP_ID: WECOM.receiverId,
    WECHAT_MP_TOKEN: MP.token, WECHAT_MP_AES_KEY: MP.aesKey, WECHAT_MP_AES_KEY_PREVIOUS: MP_PREVIOUS, WECHAT_MP_APPID: MP.receiverId,
  },
});

const post = (path: string, p: { query: string; body: string }, contentType = 'text/xml') =>
  ctx.app.inject({ method: 'POST', url: `/api/v1/intake/${path}?${p.query}`, headers: { 'content-type': contentType }, payload: p.body });
const count = async () => (await ctx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM intake_messages')).rows[0].n;
const rowOf = async (dedupeKey: string) =>
  (await ctx.db.pool.query('SELECT source, msg_type, sender, sender_name, group_id, body, media_id, media_format, media_status, lat, lng, status, event, dismiss_reason FROM intake_messages WHERE dedupe_key = $1', [dedupeKey])).rows;

t.test('WeCom\'s published sample, replayed as the platform sent it', async (t) => {
  const v = OFFICIAL_VERIFY;
  const get = await ctx.app.inject({ method: 'GET', url: `/api/v1/intake/wecom?${new URLSearchParams({ msg_signature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce, echostr: v.echostr })}` });
  t.equal(get.statusCode, 200);
  t.equal(get.body, v.plain, 'URL verification answers the decrypted echostr');
  const p = OFFICIAL_PUSH;
  const body = `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[${p.encrypt}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`;
  const res = await post('wecom', { query: new URLSearchParams({ msg_signature: p.msg_signature, timestamp: p.timestamp, nonce: p.nonce }).toString(), body });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.body, '', 'WeCom gets an empty answer');
  t.match(await rowOf('msg:4561255354251345929'), [{ source: 'wecom', msg_type: 'text', sender: 'mycreate', body: 'hello', status: 'pending' }]);
});

t.test('URL verification of the Official Account and of WeCom through the fake platform', async (t) => {
  const mp = await ctx.app.inject({ method: 'GET', url: `/api/v1/intake/wechat-mp?${mpVerification(MP, 'echo-7381')}` });
  t.equal(mp.statusCode, 200);
  t.equal(mp.body, 'echo-7381');
  const wc = await ctx.app.inject({ method: 'GET', url: `/api/v1/intake/wecom?${wecomVerification(WECOM, '5927163540')}` });
  t.equal(wc.body, '5927163540');
  const bad = await ctx.app.inject({ method: 'GET', url: `/api/v1/intake/wechat-mp?${mpVerification({ token: 'otherToken' }, 'echo')}` });
  t.equal(bad.statusCode, 401);
  t.equal(bad.json().code, 'SIGNATURE_INVALID');
  t.notMatch(bad.body, /echo/, 'nothing echoed');
});

t.test('every message type, plain and safe mode', async (t) => {
  const openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
  const cases: [string, string, { query: string; body: string }, Record<string, unknown>][] = [
    ['text (safe)', 'msg:7001', encryptedPush(MP, wxXml.text({ from: openid, msgId: '7001', content: '东山村3组的路灯坏了一个月了，晚上看不见路' })),
      { source: 'wechat_mp', msg_type: 'text', sender: openid, body: '东山村3组的路灯坏了一个月了，晚上看不见路', media_status: 'none', status: 'pending' }],
    ['text (plain)', 'msg:7002', plainPush(MP, wxXml.text({ from: openid, msgId: '7002', content: '垃圾好几天没人清运' })),
      { msg_type: 'text', body: '垃圾好几天没人清运' }],
    ['image', 'msg:7003', encryptedPush(MP, wxXml.image({ from: openid, msgId: '7003', mediaId: 'media-7003' })),
      { msg_type: 'image', body: null, media_id: 'media-7003', media_format: 'image', media_status: 'pending' }],
    ['voice', 'msg:7004', encryptedPush(MP, wxXml.voice({ from: openid, msgId: '7004', mediaId: 'media-7004', recognition: '路面塌了一个坑' })),
      { msg_type: 'voice', body: '路面塌了一个坑', media_id: 'media-7004', media_format: 'amr' }],
    ['location', 'msg:7005', encryptedPush(MP, wxXml.location({ from: openid, msgId: '7005', lat: '29.123456', lng: '119.654321', label: '东山村村委会' })),
      { msg_type: 'location', body: '东山村村委会', lat: 29.123456, lng: 119.654321 }],
    ['link', 'msg:7006', encryptedPush(MP, wxXml.link({ from: openid, msgId: '7006', title: '村道积水照片', url: 'https://example.cn/p/1' })),
      { msg_type: 'link', body: '村道积水照片\nhttps://example.cn/p/1' }],
    ['event', `evt:${openid}:1764641234`, encryptedPush(MP, wxXml.event({ from: openid, event: 'subscribe', createTime: 1764641234 })),
      { msg_type: 'event', event: 'subscribe', status: 'dismissed', dismiss_reason: /无需登记/ }],
    ['WeCom robot in a group', 'msg:robot-1', encryptedPush(WECOM, wxXml.robotText({ chatId: 'wrkSFfCgAALFgnrSs', userId: 'zhangsan', name: '老张', msgId: 'robot-1', content: '@小助手 村口水管爆了' })),
      { source: 'wecom', group_id: 'wrkSFfCgAALFgnrSs', sender: 'zhangsan', sender_name: '老张', body: '@小助手 村口水管爆了' }],
  ];
  for (const [what, key, push, expected] of cases) {
    const res = await post(key.startsWith('msg:robot') ? 'wecom' : 'wechat-mp', push);
    t.equal(res.statusCode, 200, `${what}: ${res.body}`);
    t.equal(res.body, key.startsWith('msg:robot') ? '' : 'success', what);
    t.match(await rowOf(key), [expected], what);
  }
});

t.test('WeCom smart robots post JSON sealed for an empty receive id', async (t) => {
  const message = {
    msgid: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=', aibotid: 'AIBOTID', chatid: 'wrkChatDongshan', chattype: 'group',
    from: { userid: 'lisi' }, response_url: 'https://example.invalid/r', msgtype: 'text', text: { content: '@小助手 村口桥栏杆断了' },
  };
  const p = jsonRobotPush(WECOM, message);
  const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/wecom?${p.query}`, headers: { 'content-type': 'application/json' }, payload: p.body });
  t.equal(res.statusCode, 200, res.body);
  t.match(await rowOf('msg:CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI='), [{ source: 'wecom', msg_type: 'text', sender: 'lisi', group_id: 'wrkChatDongshan', body: '@小助手 村口桥栏杆断了' }]);
  const again = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/wecom?${p.query}`, headers: { 'content-type': 'application/json' }, payload: p.body });
  t.equal(again.statusCode, 200);
  t.equal((await rowOf('msg:CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=')).length, 1, 'stored once');
  const mixed = jsonRobotPush(WECOM, { msgid: 'mixed-1', chattype: 'single', from: { userid: 'lisi' }, msgtype: 'mixed', mixed: { msg_item: [{ msgtype: 'text', text: { content: '路灯不亮' } }, { msgtype: 'image', image: { url: 'https://x' } }] } });
  t.equal((await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/wecom?${mixed.query}`, headers: { 'content-type': 'application/json' }, payload: mixed.body })).statusCode, 200);
  t.match(await rowOf('msg:mixed-1'), [{ msg_type: 'mixed', group_id: null, body: '路灯不亮\n[图片]' }], 'a private chat has no group');
  const forged = { ...p, query: p.query.replace(/msg_signature=[0-9a-f]/, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0')) };
  const bad = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/wecom?${forged.query}`, headers: { 'content-type': 'application/json' }, payload: forged.body });
  t.equal(bad.statusCode, 401);
});

t.test('a wrong signature is 401 and stores nothing', async (t) => {
  const before = await count();
  const xml = wxXml.text({ from: 'oAttacker', msgId: '8001', content: '伪造的消息内容' });
  const otherToken = { ...MP, token: 'notTheToken' };
  const good = encryptedPush(MP, xml);
  const tampered = { query: good.query, body: good.body.replace(/<Encrypt><!\[CDATA\[(.)/, (_m, c: string) => `<Encrypt><![CDATA[${c === 'A' ? 'B' : 'A'}`) };
  for (const [what, path, push] of [
    ['MP plain, another token', 'wechat-mp', plainPush(otherToken, xml)],
    ['MP safe, another token', 'wechat-mp', encryptedPush(otherToken, xml)],
    ['MP safe, envelope changed after signing', 'wechat-mp', tampered],
    ['MP plain, no signature', 'wechat-mp', { query: 'timestamp=1&nonce=2', body: xml }],
    ['WeCom, another token', 'wecom', encryptedPush({ ...WECOM, token: 'evil' }, xml)],
    ['WeCom, plain XML', 'wecom', plainPush(WECOM, xml)],
  ] as const) {
    const res = await post(path, push);
    t.equal(res.statusCode, 401, what);
    t.equal(res.json().code, 'SIGNATURE_INVALID', what);
  }
  // Signed right but sealed for another receiver (or with a key we do not have): refused, not stored.
  const otherApp = await post('wechat-mp', encryptedPush({ ...MP, receiverId: 'wxOtherAccount01' }, xml));
  t.equal(otherApp.statusCode, 400);
  t.match(otherApp.json().message, /解密失败/);
  const otherCorp = await post('wecom', encryptedPush({ ...WECOM, receiverId: 'wwAnotherCorp' }, xml));
  t.equal(otherCorp.statusCode, 400, 'WeCom: sealed for another corp');
  t.equal(await count(), before, 'nothing stored');
});

t.test('the platform\'s retries are stored once, even when they race', async (t) => {
  const xml = wxXml.text({ from: 'oRetry', msgId: '9001', content: '第一次发送后平台重试三次' });
  const answers = await Promise.all([0, 1, 2, 3].map(() => post('wechat-mp', encryptedPush(MP, xml))));
  t.same(answers.map((a) => a.statusCode), [200, 200, 200, 200]);
  t.equal((await rowOf('msg:9001')).length, 1);
  const event = wxXml.event({ from: 'oRetry', event: 'CLICK', createTime: 1764649999 });
  for (let i = 0; i < 3; i++) t.equal((await post('wechat-mp', plainPush(MP, event))).statusCode, 200);
  t.equal((await rowOf('evt:oRetry:1764649999')).length, 1, 'events: sender + CreateTime');
});

t.test('during a key rotation the previous key still opens messages', async (t) => {
  const res = await post('wechat-mp', encryptedPush({ ...MP, aesKey: MP_PREVIOUS }, wxXml.text({ from: 'oRotate', msgId: '9101', content: '旧密钥加密的消息' })));
  t.equal(res.statusCode, 200, res.body);
  t.match(await rowOf('msg:9101'), [{ body: '旧密钥加密的消息' }]);
});

t.test('hostile or malformed bodies: 4xx in the SPEC §12 form, nothing stored', async (t) => {
  const before = await count();
  const bomb = `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><ToUserName>x</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&b;</Content><MsgId>9201</MsgId></xml>`;
  const plainBomb = await post('wechat-mp', plainPush(MP, bomb));
  t.equal(plainBomb.statusCode, 400);
  t.match(plainBomb.json(), { code: 'VALIDATION_FAILED', details: [{ path: '(body)', message: /DOCTYPE/ }] });
  const innerBomb = await post('wechat-mp', encryptedPush(MP, bomb));
  t.equal(innerBomb.statusCode, 400, 'an entity declaration inside the envelope too');
  const huge = await post('wechat-mp', plainPush(MP, `<xml><Content>${'x'.repeat(70 * 1024)}</Content></xml>`));
  t.equal(huge.statusCode, 413, 'past 64 KB');
  const json = await post('wechat-mp', plainPush(MP, '{"MsgType":"text"}'), 'application/json');
  t.equal(json.statusCode, 400, 'JSON instead of XML');
  const none = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/wechat-mp?${plainPush(MP, '').query}` });
  t.equal(none.statusCode, 400, 'no body');
  t.equal(await count(), before);
});

t.test('an endpoint that is not configured answers 404', async (t) => {
  const bare = await setupApp(t);
  const res = await bare.app.inject({ method: 'POST', url: `/api/v1/intake/wecom?${encryptedPush(WECOM, '<xml/>').query}`, headers: { 'content-type': 'text/xml' }, payload: '<xml/>' });
  t.equal(res.statusCode, 404);
  t.match(res.json().message, /未启用企业微信回调/);
});

t.test('no OpenID, UserID, nickname or content in the log', async (t) => {
  const text = logLines.join('');
  t.match(text, /WeChat message received/, 'the log has the callbacks');
  for (const secret of ['oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', 'zhangsan', '老张', '路灯坏了', 'oRetry', 'mycreate']) t.notMatch(text, secret, secret);
});
