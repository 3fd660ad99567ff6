// The WeChat / WeCom callback crypto (SPEC §17, docs/field.md "Safe mode"), as pure functions:
// the SHA-1 signature over the sorted token, timestamp, nonce (and the encrypted text), and the
// AES-256-CBC envelope — key = Base64(EncodingAESKey + "="), IV = the key's first 16 bytes, PKCS#7
// padding to 32-byte blocks, plaintext = 16 random bytes + 4-byte big-endian length + message +
// receiver id (the Official Account's AppId, WeCom's CorpId).
//
// Written on node:crypto rather than @wecom/crypto (which the tests' fake platform uses as the
// independent implementation): its decrypt accepts a padding byte out of range or padding bytes that
// differ (it returns the data unpadded as is), never checks the length field against what is left,
// never checks the receiver id, and its getSignature is typed for the four-part signature only.
import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';

export const ENCODING_AES_KEY_RE = /^[A-Za-z0-9+/]{43}$/;
const BLOCK = 32;

export class WeChatCryptoError extends Error {
  override name = 'WeChatCryptoError';
}

function aesKey(encodingAesKey: string): Buffer {
  if (!ENCODING_AES_KEY_RE.test(encodingAesKey)) throw new WeChatCryptoError('EncodingAESKey must be 43 Base64 characters');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new WeChatCryptoError('EncodingAESKey does not decode to 32 bytes');
  return key;
}

/** SHA-1 hex over the sorted parts joined (plain mode: token, timestamp, nonce; safe mode: + Encrypt). */
export function wechatSignature(parts: readonly string[]): string {
  return createHash('sha1').update([...parts].sort().join(''), 'utf8').digest('hex');
}

/** Whether `given` is the signature of `parts`, compared in constant time. */
export function signatureMatches(given: string | undefined, parts: readonly string[]): boolean {
  if (typeof given !== 'string' || !/^[0-9a-fA-F]{40}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given.toLowerCase(), 'latin1'), Buffer.from(wechatSignature(parts), 'latin1'));
}

/**
 * The message inside `encrypted` (Base64), checked: padding, length field, receiver id. Throws
 * WeChatCryptoError on anything else — a wrong key, a truncated or tampered text, another receiver.
 */
export function decryptMessage(encodingAesKey: string, encrypted: string, receiverId: string | readonly string[]): string {
  const key = aesKey(encodingAesKey);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted) || encrypted.length % 4 !== 0) throw new WeChatCryptoError('not Base64');
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) throw new WeChatCryptoError('not whole AES blocks');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > BLOCK || pad > plain.length || !plain.subarray(plain.length - pad).every((b) => b === pad)) {
    throw new WeChatCryptoError('bad padding');
  }
  const body = plain.subarray(0, plain.length - pad);
  if (body.length < 20) throw new WeChatCryptoError('too short');
  const length = body.readUInt32BE(16);
  if (length > body.length - 20) throw new WeChatCryptoError('length field past the end');
  const receiver = body.subarray(20 + length).toString('utf8');
  if (!(typeof receiverId === 'string' ? [receiverId] : receiverId).includes(receiver)) throw new WeChatCryptoError('another receiver');
  const message = body.subarray(20, 20 + length);
  const text = message.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(message)) throw new WeChatCryptoError('not UTF-8');
  return text;
}

/** The first key that opens `encrypted`: the current one, then the previous one during a rotation. */
export function decryptWithAnyKey(keys: readonly string[], encrypted: string, receiverId: string | readonly string[]): string {
  let last: unknown = new WeChatCryptoError('no key');
  for (const k of keys) {
    try {
      return decryptMessage(k, encrypted, receiverId);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/** The envelope of `message` for `receiverId` (`random`: 16 bytes the caller draws). */
export function encryptMessage(encodingAesKey: string, message: string, receiverId: string, random: Buffer): string {
  if (random.length !== 16) throw new WeChatCryptoError('random must be 16 bytes');
  const key = aesKey(encodingAesKey);
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const body = Buffer.concat([random, len, msg, Buffer.from(receiverId, 'utf8')]);
  const pad = BLOCK - (body.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}
