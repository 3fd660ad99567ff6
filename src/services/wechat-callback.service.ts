// WeChat / WeCom callbacks (SPEC §17): the URL verification and the message push of the WeCom
// application / robot callback (always encrypted) and of the Official Account (plain or safe mode).
// A callback is checked (signature, then the envelope: key — the previous one too during a
// rotation —, padding, length, receiver id), read, and stored once per platform message in one
// short transaction with its media job (ids only); everything slow — fetching media, registering,
// answering in the group — happens later in the workers, so the platform's 5 s are never at risk.
import { DomainError } from '../domain/errors.js';
import { decryptWithAnyKey, signatureMatches, WeChatCryptoError } from '../domain/wechat-crypto.js';
import { parseXmlEnvelope, field, readInbound, readInboundJson, XmlRefused, type InboundMessage, type IntakeSource } from '../domain/wechat-message.js';
import * as intake from '../db/intake.repository.js';
import { withTx } from '../db/tx.js';
import { enqueueOutbox } from '../db/outbox.repository.js';
import { jobs } from '../queue/jobs.js';
import type { Config } from '../config.js';
import type { ServiceDeps } from './deps.js';

export interface CallbackQuery {
  signature?: string;
  msg_signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
  encrypt_type?: string;
}

interface Endpoint {
  token: string;
  /** Current key first, then the previous one; empty: plain mode only (Official Account). */
  keys: string[];
  /** WeCom: the CorpId, or '' (its robots seal callbacks for an empty receive id). */
  receiverId: string[] | null;
}

/** Why an event is recorded but never shown for triage. */
export const EVENT_DISMISS_REASON = '平台事件（关注、菜单点击等），无需登记';

function endpointOf(config: Config, source: IntakeSource): Endpoint {
  const keys = (a: string | undefined, b: string | undefined) => [a, b].filter((k): k is string => k !== undefined);
  if (source === 'wecom') {
    const { WECOM_CALLBACK_TOKEN: token, WECOM_CALLBACK_AES_KEY: key, WECOM_CORP_ID: corp } = config;
    if (!token || !key || !corp) throw new DomainError('NOT_FOUND', '本系统未启用企业微信回调');
    return { token, keys: keys(key, config.WECOM_CALLBACK_AES_KEY_PREVIOUS), receiverId: [corp, ''] };
  }
  const token = config.WECHAT_MP_TOKEN;
  if (!token) throw new DomainError('NOT_FOUND', '本系统未启用公众号消息推送');
  return { token, keys: keys(config.WECHAT_MP_AES_KEY, config.WECHAT_MP_AES_KEY_PREVIOUS), receiverId: config.WECHAT_MP_APPID ? [config.WECHAT_MP_APPID] : null };
}

const badSignature = () => new DomainError('SIGNATURE_INVALID');
const badRequest = (message: string) => new DomainError('VALIDATION_FAILED', message, [{ path: '(body)', message }]);

function open(ep: Endpoint, encrypted: string): string {
  if (ep.keys.length === 0 || ep.receiverId === null) throw badRequest('未配置消息加解密密钥（EncodingAESKey），无法解密');
  try {
    return decryptWithAnyKey(ep.keys, encrypted, ep.receiverId);
  } catch (err) {
    // The signature matched, so the platform sent it: a key that opens nothing is a configuration fault.
    if (err instanceof WeChatCryptoError) throw badRequest('消息解密失败，请核对 EncodingAESKey 与 CorpId/AppId');
    throw err;
  }
}

function parse(xml: string): ReturnType<typeof parseXmlEnvelope> {
  try {
    return parseXmlEnvelope(xml);
  } catch (err) {
    if (err instanceof XmlRefused) throw badRequest(err.message);
    throw err;
  }
}

function isJsonEnvelope(body: unknown): body is { encrypt: string } {
  return body !== null && typeof body === 'object' && typeof (body as { encrypt?: unknown }).encrypt === 'string';
}

/** WeCom smart robots (智能机器人) post JSON: `{ "encrypt": … }`, the message inside JSON too. */
function jsonMessage(ep: Endpoint, q: CallbackQuery, envelope: string): InboundMessage | null {
  if (!signatureMatches(q.msg_signature, [ep.token, q.timestamp ?? '', q.nonce ?? '', envelope])) throw badSignature();
  try {
    return readInboundJson(open(ep, envelope));
  } catch (err) {
    if (err instanceof XmlRefused) throw badRequest(err.message);
    throw err;
  }
}

function xmlMessage(ep: Endpoint, q: CallbackQuery, body: unknown, encrypted: boolean): InboundMessage | null {
  if (typeof body !== 'string' || body.trim() === '') throw badRequest('请求体应为 XML（Content-Type: text/xml）');
  let fields = parse(body);
  if (encrypted) {
    const envelope = field(fields, 'Encrypt');
    if (envelope === null || !signatureMatches(q.msg_signature, [ep.token, q.timestamp ?? '', q.nonce ?? '', envelope])) throw badSignature();
    fields = parse(open(ep, envelope));
  }
  return readInbound(fields);
}

/** GET: the platform checks the address. Answers the text to echo; 401 on a wrong signature. */
export function verifyCallbackUrl(config: Config, source: IntakeSource, q: CallbackQuery): string {
  const ep = endpointOf(config, source);
  const { timestamp = '', nonce = '', echostr } = q;
  if (echostr === undefined) throw badRequest('缺少 echostr 参数');
  if (source === 'wecom') {
    if (!signatureMatches(q.msg_signature, [ep.token, timestamp, nonce, echostr])) throw badSignature();
    return open(ep, echostr);
  }
  if (!signatureMatches(q.signature, [ep.token, timestamp, nonce])) throw badSignature();
  return echostr;
}

/**
 * POST: one pushed message, stored once. Returns the stored message's id (null for a callback
 * that carries no message we can key) and whether this delivery was a retry.
 */
export async function receiveCallback(
  deps: ServiceDeps, source: IntakeSource, q: CallbackQuery, body: unknown,
): Promise<{ id: string | null; duplicate: boolean }> {
  const ep = endpointOf(deps.config, source);
  const { timestamp = '', nonce = '' } = q;
  const encrypted = source === 'wecom' || q.encrypt_type === 'aes';
  // Plain mode signs the query alone: check it before reading the body at all.
  if (!encrypted && !signatureMatches(q.signature, [ep.token, timestamp, nonce])) throw badSignature();
  const msg = source === 'wecom' && isJsonEnvelope(body) ? jsonMessage(ep, q, body.encrypt) : xmlMessage(ep, q, body, encrypted);
  if (!msg) return { id: null, duplicate: false };

  const now = deps.clock.now();
  const stored = await withTx(deps.db, async (tx) => {
    const r = await intake.insertMessage(tx, {
      source,
      dedupeKey: msg.dedupeKey,
      msgType: msg.msgType,
      sender: msg.sender,
      senderName: msg.senderName,
      groupId: msg.groupId,
      body: msg.text,
      mediaId: msg.mediaId,
      mediaFormat: msg.mediaFormat,
      lat: msg.location?.lat ?? null,
      lng: msg.location?.lng ?? null,
      event: msg.event,
      sentAt: msg.sentAt,
      receivedAt: now,
      ...(msg.msgType === 'event' ? { dismissReason: EVENT_DISMISS_REASON } : {}),
    });
    // Photos and recordings are fetched by the workers (ids only in the job), never in the callback.
    if (r.inserted && msg.mediaId) await enqueueOutbox(tx, [jobs.intakeMedia(r.id)], now);
    return r;
  });
  // Ids and kinds only: the sender and the text stay out of the log.
  deps.log.info({ source, intakeMessageId: stored.id, msgType: msg.msgType, duplicate: !stored.inserted }, 'WeChat message received');
  return { id: stored.id, duplicate: !stored.inserted };
}
