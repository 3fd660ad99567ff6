// The XML of WeChat Official Account pushes and WeCom callbacks (SPEC §17, docs/field.md), read
// into one shape: what the message says, who sent it (OpenID / UserID: personal data), which group
// (WeCom robot callbacks give ChatId; application and Official Account messages give none), its
// media id, and the key that de-duplicates the platform's retries (MsgId; events: sender +
// CreateTime). Hostile XML is refused before parsing: no DOCTYPE (so no entity can be declared,
// let alone expanded), bounded size and nesting; every value stays a string (a 64-bit MsgId would
// lose digits as a number).
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const INTAKE_SOURCES = ['wecom', 'wechat_mp'] as const;
export type IntakeSource = (typeof INTAKE_SOURCES)[number];

/** Far above any real callback (an encrypted text message is a few KB). */
export const MAX_XML_BYTES = 64 * 1024;
const MAX_TEXT = 4000;

export class XmlRefused extends Error {
  override name = 'XmlRefused';
}

export type XmlFields = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 8,
});

/** The children of the root `<xml>` element; throws XmlRefused for anything else. */
export function parseXmlEnvelope(xml: string): XmlFields {
  if (Buffer.byteLength(xml, 'utf8') > MAX_XML_BYTES) throw new XmlRefused('XML 内容过大');
  // No DOCTYPE at all: WeChat never sends one, and it is where entity bombs and external entities live.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new XmlRefused('XML 不得包含 DOCTYPE 或实体声明');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlRefused('XML 格式不正确');
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    throw new XmlRefused('XML 格式不正确');
  }
  const root = (doc as Record<string, unknown> | null)?.xml;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw new XmlRefused('XML 根元素应为 <xml>');
  return root as XmlFields;
}

/** A text field of `fields` (nested with dots: `From.UserId`), or null. */
export function field(fields: XmlFields, path: string): string | null {
  let v: unknown = fields;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, part)) return null;
    v = (v as Record<string, unknown>)[part];
  }
  if (typeof v !== 'string') return null;
  return v === '' ? null : v;
}

export interface InboundMessage {
  /** `msg:<MsgId>`, or `evt:<sender>:<CreateTime>` for events (they carry no MsgId). */
  dedupeKey: string;
  msgType: string;
  /** OpenID (Official Account) or UserID (WeCom): personal data, never logged or queued. */
  sender: string | null;
  /** The sender's display name when the protocol gives one (WeCom robot callbacks). */
  senderName: string | null;
  /** WeCom robot / customer-group callbacks: ChatId. */
  groupId: string | null;
  text: string | null;
  mediaId: string | null;
  mediaFormat: string | null;
  /** When the platform says the message was sent (CreateTime); null when it does not say. */
  sentAt: Date | null;
  location: { lat: number; lng: number; label: string | null } | null;
  event: string | null;
}

const PLACEHOLDERS: Record<string, string> = { image: '[图片]', voice: '[语音]', video: '[视频]', shortvideo: '[视频]', file: '[文件]', mixed: '[图文]' };
const clip = (s: string | null): string | null => (s === null ? null : Array.from(s).slice(0, MAX_TEXT).join(''));

function number(s: string | null): number | null {
  if (s === null || !/^-?\d{1,3}(\.\d+)?$/.test(s)) return null;
  return Number(s);
}

/**
 * The message of a decrypted (or plain) callback; null when it is not one we can key (no MsgId
 * and no sender + CreateTime) — acknowledged and dropped, like the platform's own health probes.
 */
export function readInbound(fields: XmlFields): InboundMessage | null {
  const msgType = (field(fields, 'MsgType') ?? '').toLowerCase().slice(0, 32);
  if (!msgType) return null;
  const sender = field(fields, 'FromUserName') ?? field(fields, 'From.UserId');
  const createTime = field(fields, 'CreateTime');
  const sentAt = createTime && /^\d{1,12}$/.test(createTime) ? new Date(Number(createTime) * 1000) : null;
  const msgId = field(fields, 'MsgId');
  let dedupeKey: string;
  if (msgId && /^[A-Za-z0-9_@.:=+/-]{1,128}$/.test(msgId)) dedupeKey = `msg:${msgId}`;
  else if (sender && createTime) dedupeKey = `evt:${sender.slice(0, 128)}:${createTime.slice(0, 12)}`;
  else return null;

  let text: string | null = null;
  let location: InboundMessage['location'] = null;
  switch (msgType) {
    case 'text':
      text = field(fields, 'Content') ?? field(fields, 'Text.Content');
      break;
    case 'voice':
      text = field(fields, 'Recognition');
      break;
    case 'location': {
      const lat = number(field(fields, 'Location_X'));
      const lng = number(field(fields, 'Location_Y'));
      const label = field(fields, 'Label');
      if (lat !== null && lng !== null && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) location = { lat, lng, label };
      text = label;
      break;
    }
    case 'link':
      text = [field(fields, 'Title'), field(fields, 'Description'), field(fields, 'Url')].filter(Boolean).join('\n') || null;
      break;
    default:
      break;
  }
  const media = msgType === 'image' || msgType === 'voice';
  return {
    dedupeKey,
    msgType,
    sender: sender?.slice(0, 128) ?? null,
    senderName: field(fields, 'From.Name')?.slice(0, 60) ?? null,
    groupId: field(fields, 'ChatId')?.slice(0, 128) ?? null,
    text: clip(text),
    mediaId: media ? (field(fields, 'MediaId')?.slice(0, 256) ?? null) : null,
    mediaFormat: msgType === 'voice' ? (field(fields, 'Format')?.toLowerCase().slice(0, 16) ?? null) : msgType === 'image' ? 'image' : null,
    sentAt,
    location,
    event: msgType === 'event' ? (field(fields, 'Event')?.slice(0, 64) ?? null) : null,
  };
}

/** The JSON of a WeCom smart robot (智能机器人) callback, decrypted: only what triage keeps. */
export function readInboundJson(text: string): InboundMessage | null {
  if (Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES) throw new XmlRefused('消息内容过大');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new XmlRefused('解密后的消息不是 JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new XmlRefused('解密后的消息不是 JSON 对象');
  const get = (path: string): string | null => {
    let v: unknown = doc;
    for (const part of path.split('.')) {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, part)) return null;
      v = (v as Record<string, unknown>)[part];
    }
    return typeof v === 'string' && v !== '' ? v : null;
  };
  const msgType = (get('msgtype') ?? '').toLowerCase().slice(0, 32);
  const msgId = get('msgid');
  if (!msgType || !msgId || !/^[A-Za-z0-9_@.:=+/-]{1,128}$/.test(msgId)) return null;
  let body: string | null = null;
  if (msgType === 'text') body = get('text.content');
  else if (msgType === 'voice') body = get('voice.content');
  else if (msgType === 'mixed') {
    const items = ((doc as { mixed?: { msg_item?: unknown } }).mixed?.msg_item ?? []) as unknown[];
    body = (Array.isArray(items) ? items : [])
      .map((i) => {
        const item = i as { msgtype?: unknown; text?: { content?: unknown } };
        return item?.msgtype === 'text' && typeof item.text?.content === 'string' ? item.text.content : item?.msgtype === 'image' ? PLACEHOLDERS.image : '';
      })
      .filter(Boolean)
      .join('\n') || null;
  }
  const chat = get('chattype') === 'group' ? get('chatid') : null;
  return {
    dedupeKey: `msg:${msgId}`,
    msgType,
    sender: get('from.userid')?.slice(0, 128) ?? null,
    senderName: null,
    groupId: chat?.slice(0, 128) ?? null,
    text: clip(body),
    // Its images come as a URL to an encrypted file, not a MediaId: not fetched (README, WeChat intake).
    mediaId: null,
    mediaFormat: null,
    sentAt: null,
    location: null,
    event: msgType === 'event' ? (get('event.eventtype')?.slice(0, 64) ?? null) : null,
  };
}

// ─── Triage (SPEC §17): what a clerk sees of a message, and the registration it prefills ────────

export const INTAKE_SOURCE_LABELS: Record<IntakeSource, string> = { wecom: '企业微信', wechat_mp: '公众号' };
/** The group a registration names when the protocol gave none (application and Official Account messages). */
export const NO_GROUP_NAMES: Record<IntakeSource, string> = { wecom: '企业微信应用消息', wechat_mp: '公众号留言' };

export interface TriageMessage {
  source: IntakeSource;
  msgType: string;
  groupId: string | null;
  /** Already as staff may see it: the nickname, else the masked account id. */
  senderShown: string | null;
  body: string | null;
  dedupeKey: string;
}

/** The message's text as a clerk reads it: its words, or what kind of message it is. */
export function messageText(m: Pick<TriageMessage, 'msgType' | 'body'>): string {
  return m.body ?? PLACEHOLDERS[m.msgType] ?? `[${m.msgType}]`;
}

/** The registration a selection of messages suggests (the clerk confirms or edits every field). */
export function registrationFromMessages(messages: readonly TriageMessage[]): {
  content: string;
  wechat: { group: string; sender?: string; messageId?: string };
} {
  const first = messages[0];
  const content = Array.from(messages.map(messageText).join('\n')).slice(0, 2000).join('');
  const msgId = first.dedupeKey.startsWith('msg:') ? first.dedupeKey.slice(4, 104) : undefined;
  const senders = [...new Set(messages.map((m) => m.senderShown).filter((s): s is string => s !== null))];
  return {
    content,
    wechat: {
      group: (first.groupId ?? NO_GROUP_NAMES[first.source]).slice(0, 60),
      ...(senders.length ? { sender: senders.join('、').slice(0, 60) } : {}),
      ...(msgId ? { messageId: msgId } : {}),
    },
  };
}

/** The group robot's answer as staff read its state on the ticket page. */
export const ROBOT_DELIVERY_LABELS: Record<string, string> = {
  pending: '待发送（按机器人发送频率排队）',
  delivered: '已在群内回复',
  retrying: '发送失败，重试中',
  not_configured: '该群已无机器人配置，未回复',
};

/** WeCom group robots take text of at most 2 048 bytes of UTF-8 (docs/field.md). */
export const ROBOT_TEXT_MAX_BYTES = 2048;

/**
 * The group robot's answer once a ticket is registered: the ticket number and the lookup address,
 * the sender named only by a masked nickname; never the access code (the whole group reads it).
 */
export function robotAnswerText(a: { township: string; ticketNoFormatted: string; lookupUrl: string; maskedSender: string | null }): string {
  const who = a.maskedSender ? `@${a.maskedSender} ` : '';
  const text = `【${a.township}】${who}您反映的问题已登记，工单号 ${a.ticketNoFormatted}。办理进度可在 ${a.lookupUrl} 查询（需手机号后4位或回执上的查询码，请勿在群内公开）。`;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch, 'utf8') > ROBOT_TEXT_MAX_BYTES) break;
    out += ch;
  }
  return out;
}
