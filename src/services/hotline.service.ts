// The 12345 hotline's push (SPEC §15): a dispatched work order registered through the one
// registration service (source `hotline_12345`), idempotent by the platform's number — a repeat, or
// a twin racing it, answers 200 with the ticket already stored; the platform's deadline governs when
// given; its Chinese village and category names are matched to the catalogue, and what does not
// match is left for the clerk with an internal note on the timeline.
import { DomainError, validationError, type ErrorDetail } from '../domain/errors.js';
import { matchName, unmatchedNotes } from '../domain/hotline.js';
import type { Channel, Kind } from '../domain/sla.js';
import * as tickets from '../db/tickets.repository.js';
import { getCatalogue } from './catalogue.service.js';
import { registerTicket, type RegistrationAnswer, type RegistrationInput } from './register.service.js';
import { staffTicketView } from './ticket-view.js';
import type { ServiceDeps } from './deps.js';

export const HOTLINE_SOURCE = 'hotline_12345' as const;
/**
 * There is no `hotline` channel (src/domain/sla.ts CHANNELS): a 12345 work order is a demand
 * phoned in, so `phone` unless the platform names another channel.
 */
export const HOTLINE_DEFAULT_CHANNEL: Channel = 'phone';

export interface HotlinePush {
  externalNo: string;
  receivedAt: Date;
  dueAt?: Date;
  kind: Kind;
  content: string;
  complainant?: { name?: string; phone?: string; anonymous?: boolean };
  villageCode?: string;
  area?: string;
  categoryCode?: string;
  category?: string;
  channel?: Channel;
}

export interface HotlineKey {
  keyId: string;
  name: string;
}

function replayOf(t: tickets.TicketRow): RegistrationAnswer {
  return { statusCode: 200, body: staffTicketView(t), replayed: true };
}

function isExternalNoConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && e.constraint === 'tickets_source_external_no_idx';
}

export async function pushWorkOrder(deps: ServiceDeps, key: HotlineKey, push: HotlinePush): Promise<RegistrationAnswer> {
  const stored = await tickets.findTicketByExternalNo(deps.db, HOTLINE_SOURCE, push.externalNo);
  if (stored) return replayOf(stored);

  const details: ErrorDetail[] = [];
  if (push.dueAt && push.dueAt.getTime() <= push.receivedAt.getTime()) {
    details.push({ path: 'dueAt', message: '要求办结时间应晚于受理时间' });
  }
  if (details.length > 0) throw validationError(details);

  const catalogue = await getCatalogue(deps);
  const unmatched: { area?: string; category?: string } = {};
  let villageCode = push.villageCode;
  if (villageCode === undefined && push.area !== undefined) {
    const villages = [...catalogue.departments.values()].filter((d) => d.kind === 'village');
    villageCode = matchName(push.area, villages)?.code;
    if (villageCode === undefined) unmatched.area = push.area;
  }
  let categoryCode = push.categoryCode;
  if (categoryCode === undefined && push.category !== undefined) {
    categoryCode = matchName(push.category, catalogue.categories.values())?.code;
    if (categoryCode === undefined) unmatched.category = push.category;
  }

  const input: RegistrationInput = {
    channel: push.channel ?? HOTLINE_DEFAULT_CHANNEL,
    kind: push.kind,
    content: push.content,
    ...(push.complainant ? { complainant: push.complainant } : {}),
    ...(villageCode !== undefined ? { villageCode } : {}),
    ...(categoryCode !== undefined ? { categoryCode } : {}),
    receivedAt: push.receivedAt,
  };
  const registrant = { scope: 'hotline', label: `12345热线（${key.name}）`, userId: null, apiKeyId: key.keyId, source: HOTLINE_SOURCE };
  try {
    // The Idempotency-Key is the platform's number: an identical twin waits on it and replays.
    const answer = await registerTicket(deps, registrant, push.externalNo, input, {
      externalNo: push.externalNo,
      ...(push.dueAt ? { dueAt: push.dueAt } : {}),
      notes: unmatchedNotes(unmatched),
    });
    if (answer.replayed) {
      const t = await tickets.findTicketByExternalNo(deps.db, HOTLINE_SOURCE, push.externalNo);
      if (t) return replayOf(t);
    }
    return { ...answer, body: { ...(answer.body as object), unmatched: Object.keys(unmatched) } };
  } catch (err) {
    // A twin with other fields (422 on the shared key) or one that got past the key (pruned after
    // 48 h) meets the unique index: either way the number already names a ticket.
    if ((err instanceof DomainError && err.code === 'IDEMPOTENCY_KEY_REUSED') || isExternalNoConflict(err)) {
      const t = await tickets.findTicketByExternalNo(deps.db, HOTLINE_SOURCE, push.externalNo);
      if (t) return replayOf(t);
    }
    throw err;
  }
}
