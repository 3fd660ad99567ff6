// Public lookup by ticket number + verification (SPEC §5). An unknown number and a wrong
// verification fail identically, and both count towards the per-number lockout, so neither the
// answer nor the lock tells whether a number exists.
import { timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import { parseTicketNo } from '../domain/ticket-number.js';
import { phoneLast4 } from '../domain/masking.js';
import * as tickets from '../db/tickets.repository.js';
import * as lookup from '../db/lookup.repository.js';
import { withTx } from '../db/tx.js';
import { getCatalogue } from './catalogue.service.js';
import { publicTicketView } from './ticket-view.js';
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

export function verificationMatches(t: tickets.TicketRow, verify: string): boolean {
  const last4 = phoneLast4(t.complainantPhone);
  if (verify.length === 4 && last4) return same(verify, last4);
  if (verify.length === 6 && t.accessCode) return same(verify, t.accessCode);
  return false;
}

/** Finds the ticket a resident may see, or throws the one 404 (or 429 when locked). */
export async function verifiedTicket(deps: ServiceDeps, ticketNoInput: string, verify: string): Promise<tickets.TicketRow> {
  const ticketNo = parseTicketNoOrThrow(ticketNoInput);
  const now = deps.clock.now();
  if (await lookup.lookupLockedUntil(deps.db, ticketNo, now)) throw new DomainError('LOOKUP_LOCKED');
  const t = await tickets.findTicketByNo(deps.db, ticketNo);
  if (t && verificationMatches(t, verify)) return t;
  await withTx(deps.db, async (tx) => {
    const failures = await lookup.recordLookupFailure(tx, ticketNo, now, new Date(now.getTime() - FAILURE_WINDOW_MS));
    if (failures >= MAX_FAILURES) await lookup.lockLookup(tx, ticketNo, new Date(now.getTime() + LOCK_MS));
  });
  // The failure that reaches the limit is still answered as "not found"; the next one is locked.
  throw new DomainError('TICKET_NOT_FOUND', PUBLIC_NOT_FOUND);
}

export async function publicLookup(deps: ServiceDeps, ticketNoInput: string, verify: string) {
  const t = await verifiedTicket(deps, ticketNoInput, verify);
  const catalogue = await getCatalogue(deps.db);
  const events = await tickets.listEvents(deps.db, t.id, true);
  return publicTicketView(
    t,
    {
      category: t.categoryCode ? (catalogue.categories.get(t.categoryCode)?.name ?? null) : null,
      department: t.departmentCode ? (catalogue.departments.get(t.departmentCode)?.name ?? null) : null,
    },
    events,
  );
}
