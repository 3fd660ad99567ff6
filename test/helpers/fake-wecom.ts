// A local stand-in for WeCom: group-robot webhooks (records every post; can fail on demand), and the
// platform's side of the callbacks (SPEC §17) that WeCom and the Official Account send us.
import { encrypt as wecomEncrypt, getSignature } from '@wecom/crypto';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeWeCom {
  url: (name: string) => string;
  /** The API base (WECOM_API_BASE / WECHAT_MP_API_BASE point here). */
  base: string;
  posts: { path: string; content: string; at: number }[];
  failNext: number;
  /** Robot posts beyond this many a minute per key answer errcode 130101, as WeCom does. */
  perMinute: number;
  /** Media API: credentials it accepts (CorpId or AppId → secret), files by media id, and a delay. */
  credentials: Map<string, string>;
  media: Map<string, { bytes: Buffer; type: string }>;
  mediaDelayMs: number;
  tokenRequests: number;
  mediaRequests: number;
  /** Every token issued so far stops working (the platform's 42001). */
  expireTokens: () => void;
  close: () => Promise<void>;
}

export async function startFakeWeCom(): Promise<FakeWeCom> {
  const fake: FakeWeCom = {
    url: () => '', base: '', posts: [], failNext: 0, perMinute: 20, credentials: new Map(), media: new Map(), mediaDelayMs: 0,
    tokenRequests: 0, mediaRequests: 0, expireTokens: () => undefined, close: async () => undefined,
  };
  const valid = new Set<string>();
  let issued = 0;
  fake.expireTokens = () => valid.clear();
  const json = (res: http.ServerResponse, body: object) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (url.pathname === '/cgi-bin/gettoken' || url.pathname === '/cgi-bin/token') {
        fake.tokenRequests++;
        const id = url.searchParams.get(url.pathname === '/cgi-bin/gettoken' ? 'corpid' : 'appid') ?? '';
        const secret = url.searchParams.get(url.pathname === '/cgi-bin/gettoken' ? 'corpsecret' : 'secret');
        if (!fake.credentials.has(id) || fake.credentials.get(id) !== secret) return json(res, { errcode: 40001, errmsg: 'invalid credential' });
        const token = `tok-${++issued}-${randomBytes(6).toString('hex')}`;
        valid.add(token);
        return json(res, { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 });
      }
      if (url.pathname === '/cgi-bin/media/get') {
        fake.mediaRequests++;
        if (!valid.has(url.searchParams.get('access_token') ?? '')) return json(res, { errcode: 42001, errmsg: 'access_token expired' });
        const file = fake.media.get(url.searchParams.get('media_id') ?? '');
        if (!file) return json(res, { errcode: 40007, errmsg: 'invalid media_id' });
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(200, { 'content-type': file.type, 'content-disposition': 'attachment; filename="media"' }).end(file.bytes);
        }, fake.mediaDelayMs);
        return;
      }
      if (fake.failNext > 0) {
        fake.failNext--;
        return json(res, { errcode: 45009, errmsg: 'api freq out of limit' });
      }
      const now = Date.now();
      const key = url.searchParams.get('key') ?? '';
      if (fake.posts.filter((p) => p.path.endsWith(`key=${key}`) && p.at > now - 60_000).length >= fake.perMinute) {
        return json(res, { errcode: 130101, errmsg: 'send to chat failed: frequency limit' });
      }
      const msg = JSON.parse(body) as { msgtype: string; text: { content: string } };
      fake.posts.push({ path: req.url ?? '', content: msg.text.content, at: now });
      json(res, { errcode: 0, errmsg: 'ok' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  fake.base = `http://127.0.0.1:${port}`;
  fake.url = (name) => `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${name}`;
  fake.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return fake;
}

// ─── The platform's side of callbacks (SPEC §17) ─────────────────────────────────────────────
// What WeCom and the Official Account send us, signed and encrypted by @wecom/crypto — WeCom's own
// package, an implementation independent of the app's (src/domain/wechat-crypto.ts).

export interface CallbackAccount {
  token: string;
  aesKey: string;
  /** CorpId (WeCom) or AppId (Official Account). */
  receiverId: string;
}

/** A fresh EncodingAESKey as the consoles generate it: 43 Base64 characters of 32 random bytes. */
export function newEncodingAesKey(): string {
  return randomBytes(32).toString('base64').slice(0, 43);
}

const plainSignature = (token: string, timestamp: string, nonce: string) =>
  createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');

let nonceCounter = 0;
function stamp(at?: { timestamp?: string; nonce?: string }) {
  return { timestamp: at?.timestamp ?? String(Math.floor(Date.now() / 1000)), nonce: at?.nonce ?? String(100000 + ++nonceCounter) };
}

/** A safe-mode push (WeCom always; the Official Account with encrypt_type=aes): query and body. */
export function encryptedPush(account: CallbackAccount, innerXml: string, at?: { timestamp?: string; nonce?: string }) {
  const { timestamp, nonce } = stamp(at);
  const encrypted = wecomEncrypt(account.aesKey, innerXml, account.receiverId);
  const msg_signature = getSignature(account.token, timestamp, nonce, encrypted);
  const query = new URLSearchParams({ msg_signature, timestamp, nonce, encrypt_type: 'aes', signature: plainSignature(account.token, timestamp, nonce) });
  return { query: query.toString(), body: `<xml><ToUserName><![CDATA[${account.receiverId}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>` };
}

/** A WeCom smart robot (智能机器人) push: JSON `{ encrypt }`, sealed for an empty receive id as WeCom does. */
export function jsonRobotPush(account: Omit<CallbackAccount, 'receiverId'>, message: object, at?: { timestamp?: string; nonce?: string }) {
  const { timestamp, nonce } = stamp(at);
  const encrypted = wecomEncrypt(account.aesKey, JSON.stringify(message), '');
  const msg_signature = getSignature(account.token, timestamp, nonce, encrypted);
  return { query: new URLSearchParams({ msg_signature, timestamp, nonce }).toString(), body: JSON.stringify({ encrypt: encrypted }) };
}

/** A plain-mode Official Account push: the XML as is, the query signed over token, timestamp, nonce. */
export function plainPush(account: Pick<CallbackAccount, 'token'>, xml: string, at?: { timestamp?: string; nonce?: string }) {
  const { timestamp, nonce } = stamp(at);
  return { query: new URLSearchParams({ signature: plainSignature(account.token, timestamp, nonce), timestamp, nonce }).toString(), body: xml };
}

/** WeCom's URL verification: echostr encrypted, msg_signature over it. */
export function wecomVerification(account: CallbackAccount, plain: string): string {
  const { timestamp, nonce } = stamp();
  const echostr = wecomEncrypt(account.aesKey, plain, account.receiverId);
  return new URLSearchParams({ msg_signature: getSignature(account.token, timestamp, nonce, echostr), timestamp, nonce, echostr }).toString();
}

/** The Official Account's URL verification: signature over token, timestamp, nonce; echostr as is. */
export function mpVerification(account: Pick<CallbackAccount, 'token'>, echostr: string): string {
  const { timestamp, nonce } = stamp();
  return new URLSearchParams({ signature: plainSignature(account.token, timestamp, nonce), timestamp, nonce, echostr }).toString();
}

const cdata = (s: string) => `<![CDATA[${s}]]>`;

/** The XML of a pushed message, as the platforms write it (fields in their order). */
export const wxXml = {
  text: (m: { to?: string; from: string; msgId: string; content: string; createTime?: number }) =>
    `<xml><ToUserName>${cdata(m.to ?? 'gh_township')}</ToUserName><FromUserName>${cdata(m.from)}</FromUserName><CreateTime>${m.createTime ?? 1764640000}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata(m.content)}</Content><MsgId>${m.msgId}</MsgId></xml>`,
  image: (m: { from: string; msgId: string; mediaId: string; createTime?: number }) =>
    `<xml><ToUserName>${cdata('gh_township')}</ToUserName><FromUserName>${cdata(m.from)}</FromUserName><CreateTime>${m.createTime ?? 1764640000}</CreateTime><MsgType>${cdata('image')}</MsgType><PicUrl>${cdata('http://mmbiz.qpic.cn/x')}</PicUrl><MediaId>${cdata(m.mediaId)}</MediaId><MsgId>${m.msgId}</MsgId></xml>`,
  voice: (m: { from: string; msgId: string; mediaId: string; recognition?: string }) =>
    `<xml><ToUserName>${cdata('gh_township')}</ToUserName><FromUserName>${cdata(m.from)}</FromUserName><CreateTime>1764640000</CreateTime><MsgType>${cdata('voice')}</MsgType><MediaId>${cdata(m.mediaId)}</MediaId><Format>${cdata('amr')}</Format>${m.recognition === undefined ? '' : `<Recognition>${cdata(m.recognition)}</Recognition>`}<MsgId>${m.msgId}</MsgId></xml>`,
  location: (m: { from: string; msgId: string; lat: string; lng: string; label: string }) =>
    `<xml><ToUserName>${cdata('gh_township')}</ToUserName><FromUserName>${cdata(m.from)}</FromUserName><CreateTime>1764640000</CreateTime><MsgType>${cdata('location')}</MsgType><Location_X>${m.lat}</Location_X><Location_Y>${m.lng}</Location_Y><Scale>15</Scale><Label>${cdata(m.label)}</Label><MsgId>${m.msgId}</MsgId></xml>`,
  link: (m: { from: string; msgId: string; title: string; url: string }) =>
    `<xml><ToUserName>${cdata('gh_township')}</ToUserName><FromUserName>${cdata(m.from)}</FromUserName><CreateTime>1764640000</CreateTime><MsgType>${cdata('link')}</MsgType><Title>${cdata(m.title)}</Title><Description>${cdata('')}</Description><Url>${cdata(m.url)}</Url><MsgId>${m.msgId}</MsgId></xml>`,
  event: (m: { from: string; event: string; createTime: number }) =>
    `<xml><ToUserName>${cdata('gh_township')}</ToUserName><FromUserName>${cdata(m.from)}</FromUserName><CreateTime>${m.createTime}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata(m.event)}</Event></xml>`,
  /** A WeCom group robot callback: the group's ChatId and the sender's UserId and name. */
  robotText: (m: { chatId: string; userId: string; name: string; msgId: string; content: string }) =>
    `<xml><WebhookUrl>${cdata('http://in.qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x')}</WebhookUrl><ChatId>${cdata(m.chatId)}</ChatId><ChatType>group</ChatType><From><UserId>${cdata(m.userId)}</UserId><Name>${cdata(m.name)}</Name><Alias>${cdata('')}</Alias></From><MsgType>${cdata('text')}</MsgType><Text><Content>${cdata(m.content)}</Content></Text><MsgId>${cdata(m.msgId)}</MsgId></xml>`,
  robotImage: (m: { chatId: string; userId: string; name: string; msgId: string; mediaId: string }) =>
    `<xml><ChatId>${cdata(m.chatId)}</ChatId><ChatType>group</ChatType><From><UserId>${cdata(m.userId)}</UserId><Name>${cdata(m.name)}</Name></From><MsgType>${cdata('image')}</MsgType><MediaId>${cdata(m.mediaId)}</MediaId><MsgId>${cdata(m.msgId)}</MsgId></xml>`,
};
