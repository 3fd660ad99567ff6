// Registration (SPEC §4): validate references, apply Idempotency-Key semantics, number the ticket,
// compute the deadline from the working-day calendar, and write the ticket, its first timeline
// event and the outbox rows in one transaction.
import { createHash, randomInt } from 'node:crypto';
import { DomainError, validationError } from '../domain/errors.js';
import { addDuration } from '../domain/calendar.js';
import { generateTicketNo } from '../domain/ticket-number.js';
import { resolveLimit } from '../domain/sla.js';
import { DUPLICATE_WINDOW_MS, rankDuplicates } from '../domain/duplicates.js';
import { MAX_BACKDATE_MS, registrationProblems, type RegistrationInput } from '../domain/registration.js';
import { MAX_LEDGER_AGE_MS, type PastCase } from '../domain/ledger.js';
import { pastCaseTrail } from '../domain/ledger-history.js';
import { withTx, type Db } from '../db/tx.js';
import { canonicalJson } from '../db/audit.repository.js';
import * as tickets from '../db/tickets.repository.js';
import { closeAllDeadlines } from '../db/deadlines.repository.js';
import * as idem from '../db/idempotency.repository.js';
import { jobs, type JobMessage } from '../queue/jobs.js';
import { writeRegistrationTrail } from '../db/registration.repository.js';
import { getCatalogue, learnCategory, suggestCategories } from './catalogue.service.js';
import { getPolicy } from './policy.service.js';
import { staffTicketView } from './ticket-view.js';
import { nextStep } from '../domain/escalation.js';
import { smsNotBefore } from '../domain/office-hours.js';
import type { ServiceDeps } from './deps.js';

export type { RegistrationInput } from '../domain/registration.js';

export interface Registrant {
  /** Idempotency scope and timeline label. */
  scope: string;
  label: string;
  userId: string | null;
  apiKeyId: string | null;
  /** Where the ticket came from (SPEC §15); `local` unless an integration says otherwise. */
  source?: tickets.TicketSource;
  /**
   * False for a registrant who may not see other tickets (a grid worker, SPEC §17): the answer
   * then names no duplicate candidates (they are the service hall's to merge).
   */
  seesOtherTickets?: boolean;
}

/** What an outside platform adds to a registration (SPEC §15). */
export interface Origin {
  /** The platform's number; unique per source (migration 0012's index). */
  externalNo?: string;
  /** The platform's deadline: when given, the deadline in force instead of §7's. */
  dueAt?: Date;
  /** Internal timeline notes for the clerk (names the catalogue did not match). */
  notes?: string[];
  /**
   * A ledger row (SPEC §15): received up to 5 years ago; no "registered" SMS (the resident raised it
   * elsewhere, long ago perhaps); a past case is stored closed with its reply and follow-up, and
   * starts no routing, deadline or notification at all.
   */
  ledger?: { past?: PastCase };
}

/**
 * More writes of the caller in the registration's own transaction, once the ticket row exists (the
 * WeChat messages it was registered from, SPEC §17): outbox messages it returns join the ticket's;
 * a DomainError it throws undoes the whole registration.
 */
export type WithinRegistration = (tx: Db, ticket: { id: string; ticketNo: string }) => Promise<JobMessage[]>;

export interface RegistrationAnswer {
  statusCode: number;
  body: unknown;
  replayed: boolean;
}

function requestHash(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

function random6(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

async function checkReferences(deps: ServiceDeps, tx: Db, input: RegistrationInput, origin: Origin | undefined, now: Date): Promise<void> {
  const catalogue = await getCatalogue(deps, tx);
  const details = registrationProblems(input, catalogue, now, origin?.ledger ? MAX_LEDGER_AGE_MS : MAX_BACKDATE_MS);
  const past = origin?.ledger?.past;
  if (past && !catalogue.departments.get(past.departmentCode)?.active) {
    details.push({ path: 'departmentCode', message: '没有这个承办部门或已停用' });
  }
  if (details.length > 0) throw validationError(details);
}

export async function registerTicket(
  deps: ServiceDeps,
  registrant: Registrant,
  idempotencyKey: string,
  input: RegistrationInput,
  origin?: Origin,
  within?: WithinRegistration,
): Promise<RegistrationAnswer> {
  const answer = await registerInTx(deps, registrant, idempotencyKey, input, origin, within);
  if (!answer.replayed && input.categoryCode) learnCategory(deps, input.categoryCode, input.content);
  return answer;
}

async function registerInTx(
  deps: ServiceDeps,
  registrant: Registrant,
  idempotencyKey: string,
  input: RegistrationInput,
  origin: Origin | undefined,
  within: WithinRegistration | undefined,
): Promise<RegistrationAnswer> {
  const now = deps.clock.now();
  const hash = requestHash({
    ...input,
    receivedAt: input.receivedAt?.toISOString(),
    ...(origin ? { origin: { ...origin, dueAt: origin.dueAt?.toISOString() } } : {}),
  });
  return withTx(deps.db, async (tx) => {
    // A ledger row is acknowledged by the import's progress record, committed synchronously after
    // its chunk: that flush carries every earlier commit's WAL with it, so the rows need not wait
    // for their own (a crash before it loses rows the resumed commit registers again).
    if (origin?.ledger) await tx.query('SET LOCAL synchronous_commit TO off');
    const stored = await idem.claimIdempotencyKey(tx, registrant.scope, idempotencyKey, hash, now);
    if (stored) {
      if (stored.requestHash !== hash) throw new DomainError('IDEMPOTENCY_KEY_REUSED');
      return { statusCode: stored.statusCode, body: stored.response, replayed: true };
    }
    // Every read inside the transaction uses its own client: asking the pool for a second one while
    // holding this one deadlocks once every pooled client is held by a registration (chaos s4).
    await checkReferences(deps, tx, input, origin, now);

    const receivedAt = input.receivedAt && input.receivedAt < now ? input.receivedAt : now;
    const { calendar, policy } = await getPolicy(deps, tx);
    const catalogue = await getCatalogue(deps, tx);
    const category = input.categoryCode ? catalogue.categories.get(input.categoryCode)! : null;
    const due = origin?.dueAt
      ? { at: origin.dueAt, calendarWarning: false }
      : addDuration(receivedAt, resolveLimit(policy, input.kind, category), calendar);
    const phone = input.complainant?.phone ?? null;
    const plan = nextStep(
      { id: null, kind: 'resolve', departmentCode: null, startedAt: receivedAt, dueAt: due.at, level: null, pausedAt: null, pausedMs: 0, nextStepAt: null },
      policy,
      calendar,
    );

    // Duplicate candidates (SPEC §4) come back from the insert's own statement: one round trip.
    let inserted: Awaited<ReturnType<typeof tickets.insertTicketFindingDuplicates>> = null;
    for (let attempt = 0; !inserted; attempt++) {
      if (attempt === 8) throw new Error('could not draw a free ticket number');
      inserted = await tickets.insertTicketFindingDuplicates(tx, {
        ticketNo: generateTicketNo(now, random6()),
        kind: input.kind,
        channel: input.channel,
        content: input.content,
        complainantName: input.complainant?.name ?? null,
        complainantPhone: phone,
        anonymous: input.complainant?.anonymous ?? false,
        confidential: input.confidential ?? false,
        villageCode: input.villageCode ?? null,
        address: input.address ?? null,
        categoryCode: input.categoryCode ?? null,
        accessCode: phone ? null : random6(),
        wechat: input.wechat ?? null,
        receivedAt,
        registeredAt: now,
        registeredBy: registrant.userId,
        registeredViaKey: registrant.apiKeyId,
        dueAt: due.at,
        calendarWarning: due.calendarWarning || plan.calendarWarning,
        resolveNextStepAt: plan.at,
        source: registrant.source ?? 'local',
        externalNo: origin?.externalNo ?? null,
        lat: input.location?.lat ?? null,
        lng: input.location?.long ?? null,
      }, new Date(receivedAt.getTime() - DUPLICATE_WINDOW_MS));
    }
    const { candidates } = inserted;
    let row = inserted.row;
    const past = origin?.ledger?.past;
    const outbox: JobMessage[] = [];
    // SPEC §18: no resident SMS 21:00–08:00 unless the ticket is an emergency.
    if (!origin?.ledger) outbox.push(jobs.notification({ ticketId: row.id, template: 'registered' }, undefined, smsNotBefore(now, input.kind === 'emergency')));
    if (!past) {
      if (row.categoryCode) outbox.push(jobs.routing(row.id));
      if (plan.at) outbox.push(jobs.deadline(row.id, 'resolve', plan.at));
    }
    const trail = past ? pastCaseTrail(row, past) : null;
    if (past && trail) {
      row = await tickets.updateTicket(tx, row.id, row.version, closedPastCase(row, past, trail), now);
      // A case closed before it was imported has no deadline left to watch.
      await closeAllDeadlines(tx, row.id, now);
    }
    if (within) outbox.push(...(await within(tx, { id: row.id, ticketNo: row.ticketNo })));

    const duplicateCandidates = registrant.seesOtherTickets === false ? [] : rankDuplicates(input.content, phone, candidates).map(({ candidate: c, score, samePhone }) => ({
      ticketNo: c.ticketNo,
      status: c.status,
      receivedAt: c.receivedAt.toISOString(),
      similarity: score,
      samePhone,
    }));

    const body = {
      ...staffTicketView(row),
      // A ledger row's answer is read by no clerk (the ticket page suggests for itself): no classifier run.
      suggestedCategories: origin?.ledger ? [] : await suggestCategories(deps, input.content, 3, tx),
      duplicateCandidates,
    };
    // The first timeline event, the outbox messages and the stored answer: one round trip.
    await writeRegistrationTrail(tx, {
      ticketId: row.id,
      events: [
        {
          type: 'registered',
          at: now,
          actorId: registrant.userId,
          actorLabel: registrant.label,
          note: null,
          public: true,
          data: { channel: input.channel, kind: input.kind, dueAt: due.at.toISOString(), ...(origin?.dueAt ? { dueBy: 'platform' } : {}) },
        },
        ...(origin?.notes ?? []).map((note) => ({
          type: 'commented' as const, at: now, actorId: registrant.userId, actorLabel: registrant.label, note, public: false, data: { unmatched: true },
        })),
        ...(trail?.events ?? []).map((e) => ({ ...e, actorId: null, actorLabel: registrant.label })),
      ],
      outbox,
      now,
      answer: { scope: registrant.scope, key: idempotencyKey, statusCode: 201, response: body },
    });
    return { statusCode: 201, body, replayed: false };
  });
}

/** A past case's ticket fields (SPEC §15): closed on the ledger's reply and follow-up, no ladder left. */
function closedPastCase(row: tickets.TicketRow, past: PastCase, trail: ReturnType<typeof pastCaseTrail>): tickets.TicketUpdate {
  return {
    status: 'closed',
    outcome: trail.outcome,
    departmentCode: past.departmentCode,
    categoryCode: row.categoryCode,
    reopenCount: 0,
    pendingExtension: null,
    leaderAttention: false,
    result: past.result,
    satisfaction: past.satisfaction,
    resolved: past.resolved,
    reply: past.reply,
    publicSummary: null,
    mergedInto: null,
    supervisorFlag: false,
    assignedAt: trail.assignedAt,
    acceptedAt: trail.assignedAt,
    repliedAt: trail.repliedAt,
    closedAt: trail.closedAt,
    signOffDueAt: null,
    dueAt: row.dueAt,
    followUpDueAt: null,
    escalationLevel: null,
    signOffEscalationLevel: null,
    calendarWarning: row.calendarWarning,
    pendingPause: null,
    paused: false,
    pendingScreening: null,
    screeningCategory: null,
    screenedAt: null,
    reportedUpAt: null,
    coHandlers: row.coHandlers,
  };
}
