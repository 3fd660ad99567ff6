// Triage of WeChat / WeCom messages (SPEC §17): the list a clerk reads (newest first, sender
// masked), registering one ticket from one or several messages through the one registration
// service (channel `wechat_group`, source `wechat`; the messages marked and their attachments moved
// in the registration's own transaction), and dismissing a message with a reason.
import { createHash } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import { maskAccountId } from '../domain/masking.js';
import { registrationFromMessages, type TriageMessage } from '../domain/wechat-message.js';
import type { RegistrationInput } from '../domain/registration.js';
import * as intake from '../db/intake.repository.js';
import type { IntakeMessageRow, IntakeStatus } from '../db/intake.repository.js';
import { registerTicket, type RegistrationAnswer } from './register.service.js';
import { robotAnswer } from './intake-robot.service.js';
import type { ServiceDeps } from './deps.js';

export interface TriageActor {
  userId: string;
  displayName: string;
}

/** Masked as staff see it: the nickname the protocol gave, else the account id masked. */
function senderShown(m: Pick<IntakeMessageRow, 'sender' | 'senderName'>): string | null {
  return m.senderName ?? (m.sender ? maskAccountId(m.sender) : null);
}

function triageOf(m: IntakeMessageRow): TriageMessage {
  return { source: m.source, msgType: m.msgType, groupId: m.groupId, senderShown: senderShown(m), body: m.body, dedupeKey: m.dedupeKey };
}

export interface IntakeMessageView {
  id: string;
  source: string;
  msgType: string;
  group: string | null;
  sender: string | null;
  text: string | null;
  attachments: { id: string; kind: string; mime: string; thumbUrl: string | null }[];
  location: { lat: number; long: number } | null;
  mediaStatus: string;
  receivedAt: string;
  status: IntakeStatus;
  ticketNo?: string;
  dismissReason?: string;
}

async function views(deps: ServiceDeps, rows: IntakeMessageRow[]): Promise<IntakeMessageView[]> {
  const files = await intake.attachmentsOfMessages(deps.db, rows.map((r) => r.id));
  return rows.map((m) => ({
    id: m.id,
    source: m.source,
    msgType: m.msgType,
    group: m.groupId,
    sender: senderShown(m),
    text: m.body,
    attachments: files.filter((f) => f.intakeMessageId === m.id)
      .map((f) => ({ id: f.id, kind: f.kind, mime: f.mime, thumbUrl: f.hasThumb ? `/api/v1/attachments/${f.id}/thumb` : null })),
    location: m.lat !== null && m.lng !== null ? { lat: m.lat, long: m.lng } : null,
    mediaStatus: m.mediaStatus,
    receivedAt: m.receivedAt.toISOString(),
    status: m.status,
    ...(m.ticketNo ? { ticketNo: m.ticketNo } : {}),
    ...(m.dismissReason ? { dismissReason: m.dismissReason } : {}),
  }));
}

const encodeCursor = (m: IntakeMessageRow) => Buffer.from(`${m.receivedAt.toISOString()}|${m.id}`).toString('base64url');
function decodeCursor(cursor: string): { receivedAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const receivedAt = new Date(at ?? '');
  if (!/^\d{1,19}$/.test(id ?? '') || Number.isNaN(receivedAt.getTime())) {
    throw new DomainError('VALIDATION_FAILED', undefined, [{ path: 'cursor', message: '翻页标记无效，请从第一页重新查询' }]);
  }
  return { receivedAt, id: id! };
}

export async function listIntakeMessages(
  deps: ServiceDeps, q: { status: IntakeStatus; since?: Date; cursor?: string; limit?: number },
): Promise<{ items: IntakeMessageView[]; nextCursor: string | null }> {
  const limit = q.limit ?? 50;
  const rows = await intake.listMessages(deps.db, {
    status: q.status, since: q.since ?? null, after: q.cursor ? decodeCursor(q.cursor) : null, limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { items: await views(deps, page), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
}

export async function intakeMessagesById(deps: ServiceDeps, ids: readonly string[]): Promise<IntakeMessageView[]> {
  return views(deps, await intake.messagesById(deps.db, ids));
}

/** The registration body the messages suggest (the staff page prefills its form with it). */
export async function suggestedRegistration(deps: ServiceDeps, ids: readonly string[]) {
  const rows = await intake.messagesById(deps.db, ids);
  if (rows.length === 0) return null;
  return registrationFromMessages(rows.map(triageOf));
}

export type IntakeRegistration = Omit<RegistrationInput, 'channel' | 'content' | 'wechat'> & {
  messageIds: string[];
  content?: string;
  wechat?: RegistrationInput['wechat'];
};

function notFound(ids: readonly string[]): DomainError {
  return new DomainError('NOT_FOUND', `没有这些消息：${ids.join('、')}`, ids.map((id) => ({ path: 'messageIds', message: `没有编号为 ${id} 的消息` })));
}

function alreadyDecided(rows: IntakeMessageRow[]): DomainError {
  const what = (m: IntakeMessageRow) => (m.status === 'registered' ? `已登记为工单 ${m.ticketNo ?? ''}`.trim() : `已忽略（${m.dismissReason ?? ''}）`);
  return new DomainError(
    'CONFLICT',
    `消息${rows.map((m) => ` ${m.id} ${what(m)}`).join('；')}，不能再次登记`,
    rows.map((m) => ({ path: 'messageIds', message: `消息 ${m.id} ${what(m)}` })),
    { messages: rows.map((m) => ({ id: m.id, status: m.status, ...(m.ticketNo ? { ticketNo: m.ticketNo } : {}) })) },
  );
}

/**
 * One ticket from one or several pending messages. Idempotent: the same messages and body again
 * replay the first answer (whoever sends it); a message already registered or dismissed is a 409
 * naming it and its ticket.
 */
export async function registerFromMessages(deps: ServiceDeps, actor: TriageActor, body: IntakeRegistration): Promise<RegistrationAnswer> {
  const ids = [...new Set(body.messageIds)].sort((a, b) => Number(a) - Number(b));
  const rows = await intake.messagesById(deps.db, ids);
  if (rows.length !== ids.length) throw notFound(ids.filter((id) => !rows.some((r) => r.id === id)));
  const suggested = registrationFromMessages(rows.map(triageOf));
  const { messageIds: _ids, content, wechat, ...rest } = body;
  const input: RegistrationInput = {
    ...rest,
    channel: 'wechat_group',
    content: content ?? suggested.content,
    wechat: { ...suggested.wechat, ...wechat },
  };
  const key = `intake-${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 40)}`;
  const registrant = { scope: 'intake', label: actor.displayName, userId: actor.userId, apiKeyId: null, source: 'wechat' as const };
  try {
    const answer = await registerTicket(deps, registrant, key, input, undefined, async (tx, ticket) => {
      const locked = await intake.messagesById(tx, ids, true);
      if (locked.length !== ids.length) throw notFound(ids.filter((id) => !locked.some((r) => r.id === id)));
      const decided = locked.filter((m) => m.status !== 'pending');
      if (decided.length) throw alreadyDecided(decided);
      const now = deps.clock.now();
      await intake.markRegistered(tx, ids, ticket.id, actor.userId, now);
      return robotAnswer(deps, tx, ticket, locked, now);
    });
    return { ...answer, body: { ...(answer.body as object), messageIds: ids } };
  } catch (err) {
    // The same messages with another body: not a replay, the messages are taken.
    if (err instanceof DomainError && err.code === 'IDEMPOTENCY_KEY_REUSED') {
      const decided = (await intake.messagesById(deps.db, ids)).filter((m) => m.status !== 'pending');
      if (decided.length) throw alreadyDecided(decided);
    }
    throw err;
  }
}

/** Dismisses a pending message; the same reason again answers the same; otherwise 409. */
export async function dismissIntakeMessage(deps: ServiceDeps, actor: TriageActor, id: string, reason: string): Promise<IntakeMessageView> {
  const done = await intake.dismissMessage(deps.db, id, reason, actor.userId, deps.clock.now());
  const [row] = await intake.messagesById(deps.db, [id]);
  if (!row) throw notFound([id]);
  if (!done && !(row.status === 'dismissed' && row.dismissReason === reason)) throw alreadyDecided([row]);
  return (await views(deps, [row]))[0];
}
