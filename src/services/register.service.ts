// Registration (SPEC §4): validate references, apply Idempotency-Key semantics, number the ticket,
// compute the deadline from the working-day calendar, and write the ticket, its first timeline
// event and the outbox rows in one transaction.
import { createHash, randomInt } from 'node:crypto';
import { DomainError, validationError } from '../domain/errors.js';
import { addDuration } from '../domain/calendar.js';
import { generateTicketNo } from '../domain/ticket-number.js';
import { resolveLimit } from '../domain/sla.js';
import { DUPLICATE_WINDOW_MS, rankDuplicates } from '../domain/duplicates.js';
import { registrationProblems, type RegistrationInput } from '../domain/registration.js';
import { withTx, type Db } from '../db/tx.js';
import { canonicalJson } from '../db/audit.repository.js';
import * as tickets from '../db/tickets.repository.js';
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
}

/** What an outside platform adds to a registration (SPEC §15). */
export interface Origin {
  /** The platform's number; unique per source (migration 0012's index). */
  externalNo: string;
  /** The platform's deadline: when given, the deadline in force instead of §7's. */
  dueAt?: Date;
  /** Internal timeline notes for the clerk (names the catalogue did not match). */
  notes?: string[];
}

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

async function checkReferences(deps: ServiceDeps, tx: Db, input: RegistrationInput, now: Date): Promise<void> {
  const details = registrationProblems(input, await getCatalogue(deps, tx), now);
  if (details.length > 0) throw validationError(details);
}

export async function registerTicket(
  deps: ServiceDeps,
  registrant: Registrant,
  idempotencyKey: string,
  input: RegistrationInput,
  origin?: Origin,
): Promise<RegistrationAnswer> {
  const answer = await registerInTx(deps, registrant, idempotencyKey, input, origin);
  if (!answer.replayed && input.categoryCode) learnCategory(deps, input.categoryCode, input.content);
  return answer;
}

async function registerInTx(
  deps: ServiceDeps,
  registrant: Registrant,
  idempotencyKey: string,
  input: RegistrationInput,
  origin: Origin | undefined,
): Promise<RegistrationAnswer> {
  const now = deps.clock.now();
  const hash = requestHash({
    ...input,
    receivedAt: input.receivedAt?.toISOString(),
    ...(origin ? { origin: { ...origin, dueAt: origin.dueAt?.toISOString() } } : {}),
  });
  return withTx(deps.db, async (tx) => {
    const stored = await idem.claimIdempotencyKey(tx, registrant.scope, idempotencyKey, hash, now);
    if (stored) {
      if (stored.requestHash !== hash) throw new DomainError('IDEMPOTENCY_KEY_REUSED');
      return { statusCode: stored.statusCode, body: stored.response, replayed: true };
    }
    // Every read inside the transaction uses its own client: asking the pool for a second one while
    // holding this one deadlocks once every pooled client is held by a registration (chaos s4).
    await checkReferences(deps, tx, input, now);

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
    const { row, candidates } = inserted;
    // SPEC §18: no resident SMS 21:00–08:00 unless the ticket is an emergency.
    const outbox: JobMessage[] = [jobs.notification({ ticketId: row.id, template: 'registered' }, undefined, smsNotBefore(now, input.kind === 'emergency'))];
    if (row.categoryCode) outbox.push(jobs.routing(row.id));
    if (plan.at) outbox.push(jobs.deadline(row.id, 'resolve', plan.at));

    const duplicateCandidates = rankDuplicates(input.content, phone, candidates).map(({ candidate: c, score, samePhone }) => ({
      ticketNo: c.ticketNo,
      status: c.status,
      receivedAt: c.receivedAt.toISOString(),
      similarity: score,
      samePhone,
    }));

    const body = {
      ...staffTicketView(row),
      suggestedCategories: await suggestCategories(deps, input.content, 3, tx),
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
      ],
      outbox,
      now,
      answer: { scope: registrant.scope, key: idempotencyKey, statusCode: 201, response: body },
    });
    return { statusCode: 201, body, replayed: false };
  });
}
