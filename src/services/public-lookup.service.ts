// Public lookup by ticket number (SPEC §5), or by the 12345 platform's number (SPEC §15), plus
// verification. An unknown number and a wrong verification fail identically, and both count towards the per-number lockout, so neither the
// answer nor the lock tells whether a number exists.
import { timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import { parseTicketNo } from '../domain/ticket-number.js';
import { phoneLast4 } from '../domain/masking.js';
import * as tickets from '../db/tickets.repository.js';
import { findMergedInto } from '../db/ticket-links.repository.js';
import * as lookup from '../db/lookup.repository.js';
import { withTx } from '../db/tx.js';
import { publicTicketView } from './ticket-view.js';
import { publicPhotos } from './public-photos.service.js';
import type { ServiceDeps } from './deps.js';

const FAILURE_WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES = 5;
const LOCK_MS = 60 * 60 * 1000;
/** The one answer for an unknown number and a wrong verification alike. */
const PUBLIC_NOT_FOUND = '未找到该工单，请核对工单号和验证信息';

export function parseTicketNoOrThrow(input: string): string {
  const parsed = parseTicketNo(input);
  if (!parsed.ok) {
    throw new DomainError(
      'TICKET_NO_INVALID',
      parsed.reason === 'format' ? '工单号应为15位数字，请重新核对' : undefined,
      [{ path: 'ticketNo', message: parsed.reason === 'format' ? '工单号应为15位数字' : '校验位不符，可能有数字输错或前后颠倒' }],
    );
  }
  return parsed.ticketNo;
}

function same(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export function verificationMatches(t: Pick<tickets.TicketRow, 'complainantPhone' | 'accessCode'>, verify: string): boolean {
  const last4 = phoneLast4(t.complainantPhone);
  if (verify.length === 4 && last4) return same(verify, last4);
  if (verify.length === 6 && t.accessCode) return same(verify, t.accessCode);
  return false;
}

/**
 * What a lookup reads and where its failures count: the ticket number (null when the number the
 * resident typed names no ticket) and the lock keys — the ticket number itself, or for a lookup by
 * the platform's number (SPEC §15) that number's own key and the ticket's, so that neither way
 * round gives more tries than the other.
 */
interface LookupTarget {
  ticketNo: string | null;
  lockKeys: string[];
}

/** The lock key of a lookup by an outside number: never a ticket number (those are 15 digits). */
const externalKey = (externalNo: string): string => `ext:${externalNo}`;

async function byTicketNo(ticketNoInput: string): Promise<LookupTarget> {
  const ticketNo = parseTicketNoOrThrow(ticketNoInput);
  return { ticketNo, lockKeys: [ticketNo] };
}

async function byExternalNo(deps: ServiceDeps, externalNo: string): Promise<LookupTarget> {
  const ticketNo = await lookup.ticketNoByExternalNo(deps.db, externalNo);
  return { ticketNo, lockKeys: [externalKey(externalNo), ...(ticketNo ? [ticketNo] : [])] };
}

/** Reads and checks the target and verification, or throws the one 404 (or 429 when locked). */
async function verified(deps: ServiceDeps, target: LookupTarget, verify: string, withEvents: boolean): Promise<lookup.LookupRead & { ticket: tickets.TicketRow }> {
  const now = deps.clock.now();
  const extraKeys = target.lockKeys.filter((k) => k !== target.ticketNo);
  if (extraKeys.length > 0 && (await lookup.anyLocked(deps.db, extraKeys, now))) throw new DomainError('LOOKUP_LOCKED');
  const read = target.ticketNo
    ? await lookup.readForLookup(deps.db, target.ticketNo, now, withEvents)
    : { lockedUntil: null, ticket: null, publicEvents: [], names: { category: null, department: null } };
  if (read.lockedUntil) throw new DomainError('LOOKUP_LOCKED');
  const t = read.ticket;
  if (t && verificationMatches(t, verify)) return { ...read, ticket: t };
  // A resident whose ticket was merged into this one follows it with their own phone or code.
  if (t && t.status !== 'merged' && (await findMergedInto(deps.db, t.ticketNo)).some((m) => verificationMatches(m, verify))) {
    return { ...read, ticket: t };
  }
  await withTx(deps.db, async (tx) => {
    for (const key of target.lockKeys) {
      const failures = await lookup.recordLookupFailure(tx, key, now, new Date(now.getTime() - FAILURE_WINDOW_MS));
      if (failures >= MAX_FAILURES) await lookup.lockLookup(tx, key, new Date(now.getTime() + LOCK_MS));
    }
  });
  // The failure that reaches the limit is still answered as "not found"; the next one is locked.
  throw new DomainError('TICKET_NOT_FOUND', PUBLIC_NOT_FOUND);
}

/** Finds the ticket a resident may see, or throws the one 404 (or 429 when locked). */
export async function verifiedTicket(deps: ServiceDeps, ticketNoInput: string, verify: string): Promise<tickets.TicketRow> {
  return (await verified(deps, await byTicketNo(ticketNoInput), verify, false)).ticket;
}

/**
 * The ticket a merged one now lives on (merges may chain: followed a few steps), or the ticket
 * itself. A merged number is not a dead end: its resident sees, and may rate, the survivor.
 */
async function survivorOf(deps: ServiceDeps, t: tickets.TicketRow): Promise<tickets.TicketRow> {
  let current = t;
  for (let hops = 0; hops < 5 && current.status === 'merged' && current.mergedInto; hops++) {
    const next = await tickets.findTicketByNo(deps.db, current.mergedInto);
    if (!next) break;
    current = next;
  }
  return current;
}

/** The ticket number a resident's rating of `ticketNoInput` is recorded on (the survivor of a merge). */
export async function ratedTicket(deps: ServiceDeps, ticketNoInput: string, verify: string): Promise<{ own: tickets.TicketRow; rated: tickets.TicketRow }> {
  const own = await verifiedTicket(deps, ticketNoInput, verify);
  return { own, rated: await survivorOf(deps, own) };
}

export async function publicLookup(deps: ServiceDeps, ticketNoInput: string, verify: string) {
  return (await lookupTarget(deps, await byTicketNo(ticketNoInput), verify)).view;
}

/** The lookup by the 12345 platform's number (SPEC §15): the same rules, locks and 404s as §5. */
export async function publicLookupByExternalNo(deps: ServiceDeps, externalNo: string, verify: string) {
  return (await lookupTarget(deps, await byExternalNo(deps, externalNo), verify)).view;
}

/**
 * The /track page's one field: a ticket number (15 digits, with or without spaces and dashes —
 * check digit enforced), else the platform's number. Also answers the resident's own ticket number,
 * which the rating form carries on.
 */
export async function publicLookupEither(deps: ServiceDeps, number: string, verify: string) {
  const digits = number.replace(/[\s-]/g, '');
  const target = /^\d{15}$/.test(digits) ? await byTicketNo(number) : await byExternalNo(deps, number.trim());
  return lookupTarget(deps, target, verify);
}

async function lookupTarget(deps: ServiceDeps, target: LookupTarget, verify: string) {
  const { ticket, publicEvents, names } = await verified(deps, target, verify, true);
  return { ownTicketNo: ticket.ticketNo, view: await survivorView(deps, ticket, publicEvents, names) };
}

async function survivorView(deps: ServiceDeps, ticket: tickets.TicketRow, publicEvents: lookup.LookupRead['publicEvents'], names: lookup.LookupRead['names']) {
  const survivor = await survivorOf(deps, ticket);
  // SPEC §17: the public copies of the ticket's public images, as signed links.
  const photos = await publicPhotos(deps, survivor.id);
  if (survivor === ticket) return { ...publicTicketView(ticket, names, publicEvents), mergedFrom: null, photos };
  const read = await lookup.readForLookup(deps.db, survivor.ticketNo, deps.clock.now(), true);
  return { ...publicTicketView(survivor, read.names, read.publicEvents), mergedFrom: publicTicketView(ticket, names, []).ticketNo, photos };
}
