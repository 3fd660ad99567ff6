// A local stand-in for WeCom: group-robot webhooks (records every post; can fail on demand), and the
// platform's side of the callbacks (SPEC §17) that WeCom and the Official Account send us.
import { encrypt as wecomEncrypt, getSignature } from '@wecom/crypto';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeWeCom {
  url: (name: string) => string;
  posts: { path: string; content: string }[];
  failNext: number;
  close: () => Promise<void>;
}

export async function startFakeWeCom(): Promise<FakeWeCom> {
  const fake: FakeWeCom = { url: () => '', posts: [], failNext: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (fake.failNext > 0) {
        fake.failNext--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":45009,"errmsg":"api freq out of limit"}');
        return;
      }
      const msg = JSON.parse(body) as { msgtype: string; text: { content: string } };
      fake.posts.push({ path: req.url ?? '', content: msg.text.content });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
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
