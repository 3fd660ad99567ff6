// The callback crypto (src/domain/wechat-crypto.ts) against WeCom's published sample vectors and,
// both ways, against @wecom/crypto (WeCom's own package): what one encrypts the other opens.
import t from 'tap';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { decrypt as wecomDecrypt, encrypt as wecomEncrypt, getSignature } from '@wecom/crypto';
import {
  decryptMessage, decryptWithAnyKey, encryptMessage, signatureMatches, wechatSignature, WeChatCryptoError,
} from '../../src/domain/wechat-crypto.js';
import { parseXmlEnvelope, readInbound, XmlRefused } from '../../src/domain/wechat-message.js';
import { newEncodingAesKey } from '../helpers/fake-wecom.js';
import { OFFICIAL, OFFICIAL_PUSH, OFFICIAL_VERIFY } from '../fixtures/wecom-vectors.js';


t.test('the published vectors: signatures and decryption', async (t) => {
  const p = OFFICIAL_PUSH;
  t.equal(wechatSignature([OFFICIAL.token, p.timestamp, p.nonce, p.encrypt]), p.msg_signature);
  t.ok(signatureMatches(p.msg_signature.toUpperCase(), [OFFICIAL.token, p.timestamp, p.nonce, p.encrypt]), 'hex in either case');
  t.notOk(signatureMatches(p.msg_signature, [OFFICIAL.token, p.timestamp, p.nonce, `${p.encrypt}x`]));
  t.notOk(signatureMatches(undefined, [OFFICIAL.token]), 'no signature');
  t.notOk(signatureMatches('abc', [OFFICIAL.token]), 'not 40 hex digits');
  const xml = decryptMessage(OFFICIAL.aesKey, p.encrypt, OFFICIAL.receiverId);
  const msg = readInbound(parseXmlEnvelope(xml))!;
  t.match(msg, { dedupeKey: 'msg:4561255354251345929', msgType: 'text', sender: 'mycreate', text: 'hello', groupId: null });
  t.equal(msg.sentAt?.toISOString(), new Date(1409659813 * 1000).toISOString());
  const v = OFFICIAL_VERIFY;
  t.equal(wechatSignature([OFFICIAL.token, v.timestamp, v.nonce, v.echostr]), v.msg_signature);
  t.equal(decryptMessage(OFFICIAL.aesKey, v.echostr, OFFICIAL.receiverId), v.plain);
  t.throws(() => decryptMessage(OFFICIAL.aesKey, p.encrypt, 'wx0000000000000000'), WeChatCryptoError, 'another receiver id is refused');
});

t.test('ours and @wecom/crypto open each other, for any text, receiver and key', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.stringMatching(/^[A-Za-z0-9]{1,32}$/), (text, receiver) => {
      const key = newEncodingAesKey();
      const theirs = wecomEncrypt(key, text, receiver);
      const ours = encryptMessage(key, text, receiver, randomBytes(16));
      const bytes = Buffer.from(text, 'utf8').toString('utf8');
      return decryptMessage(key, theirs, receiver) === bytes && wecomDecrypt(key, ours).message === bytes && wecomDecrypt(key, ours).id === receiver;
    }),
    { numRuns: 200 },
  );
  t.pass('200 random texts, receivers and keys opened both ways');
});

t.test('tampering, truncation and a wrong key are refused, never mis-read', async (t) => {
  const key = newEncodingAesKey();
  const good = encryptMessage(key, '<xml><Content>路灯坏了</Content></xml>', 'wxAppId', randomBytes(16));
  const raw = Buffer.from(good, 'base64');
  const flipped = Buffer.from(raw);
  flipped[flipped.length - 1] ^= 0x01;
  for (const [what, text] of [
    ['last byte flipped (padding)', flipped.toString('base64')],
    ['one block short', raw.subarray(0, raw.length - 16).toString('base64')],
    ['not whole blocks', raw.subarray(0, raw.length - 3).toString('base64')],
    ['not Base64', '###'],
    ['empty', ''],
  ] as const) {
    t.throws(() => decryptMessage(key, text, 'wxAppId'), WeChatCryptoError, what);
  }
  t.throws(() => decryptMessage(newEncodingAesKey(), good, 'wxAppId'), WeChatCryptoError, 'another key');
  t.throws(() => decryptMessage('short', good, 'wxAppId'), WeChatCryptoError, 'a key that is not 43 characters');
  const previous = newEncodingAesKey();
  const old = encryptMessage(previous, 'old', 'wxAppId', randomBytes(16));
  t.equal(decryptWithAnyKey([key, previous], old, 'wxAppId'), 'old', 'the previous key still opens what was sealed with it');
  t.throws(() => decryptWithAnyKey([key], old, 'wxAppId'), WeChatCryptoError);
});

t.test('hostile XML is refused before it is parsed', async (t) => {
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><xml><Content>&lol2;</Content></xml>`;
  const external = `<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>`;
  for (const [what, xml] of [
    ['entity expansion', bomb],
    ['external entity', external],
    ['unclosed', '<xml><Content>'],
    ['not xml at all', '{"a":1}'],
    ['another root', '<msg><Content>x</Content></msg>'],
    ['deep nesting', `<xml>${'<a>'.repeat(50)}x${'</a>'.repeat(50)}</xml>`],
    ['too large', `<xml><Content>${'啊'.repeat(30_000)}</Content></xml>`],
  ] as const) {
    t.throws(() => parseXmlEnvelope(xml), XmlRefused, what);
  }
  const m = readInbound(parseXmlEnvelope('<xml><MsgType>text</MsgType><FromUserName>o1</FromUserName><Content>a &amp; b &lt;c&gt;</Content><MsgId>18446744073709551615</MsgId></xml>'))!;
  t.equal(m.text, 'a & b <c>', 'the five predefined entities still read');
  t.equal(m.dedupeKey, 'msg:18446744073709551615', 'a 64-bit MsgId keeps every digit');
  t.equal(readInbound(parseXmlEnvelope('<xml><MsgType>text</MsgType><Content>x</Content></xml>')), null, 'no MsgId and no sender + time: nothing to key');
  t.equal(getSignature('a', 'b', 'c', 'd'), wechatSignature(['a', 'b', 'c', 'd']), 'four-part signature as WeCom computes it');
});
