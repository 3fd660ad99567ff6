// How a ticket is shown to staff (phones masked unless unmasked) and to the public (no personal data).
import { formatTicketNo } from '../domain/ticket-number.js';
import { maskPhone } from '../domain/masking.js';
import { EVENT_TYPE_LABELS, OUTCOME_LABELS, SCREENING_LABELS, SOURCE_LABELS, STATUS_LABELS } from '../domain/ticket-labels.js';
import { KIND_LABELS, CHANNEL_LABELS, type Kind, type Channel } from '../domain/sla.js';
import type { TicketRow } from '../db/tickets.repository.js';
import type { EventRow } from '../db/ticket-events.repository.js';
import type { DeadlineRow } from '../db/deadlines.repository.js';
import { DEADLINE_KIND_LABELS } from '../domain/escalation.js';

const label = <T extends string>(table: Record<T, string>, key: string | null): string | null =>
  key === null ? null : ((table as Record<string, string>)[key] ?? key);

/** State, outcome and kind with their Chinese labels: what staff and residents both see. */
function stateLabels(t: TicketRow) {
  return {
    status: t.status,
    statusLabel: label(STATUS_LABELS, t.status),
    outcome: t.outcome,
    outcomeLabel: label(OUTCOME_LABELS, t.outcome),
    kind: t.kind,
    kindLabel: KIND_LABELS[t.kind as Kind],
  };
}

export function staffTicketView(t: TicketRow, opts: { unmask?: boolean } = {}) {
  return {
    ticketNo: t.ticketNo,
    ticketNoFormatted: formatTicketNo(t.ticketNo),
    ...stateLabels(t),
    channel: t.channel,
    channelLabel: CHANNEL_LABELS[t.channel as Channel],
    content: t.content,
    complainant: {
      name: t.complainantName,
      phone: opts.unmask ? t.complainantPhone : maskPhone(t.complainantPhone),
      phoneMasked: !opts.unmask && t.complainantPhone !== null,
      anonymous: t.anonymous,
    },
    confidential: t.confidential,
    villageCode: t.villageCode,
    address: t.address,
    categoryCode: t.categoryCode,
    departmentCode: t.departmentCode,
    accessCode: t.accessCode,
    wechat: t.wechat,
    source: t.source,
    sourceLabel: label(SOURCE_LABELS, t.source),
    externalNo: t.externalNo,
    location: t.lat !== null && t.lng !== null ? { lat: t.lat, long: t.lng } : null,
    receivedAt: t.receivedAt.toISOString(),
    registeredAt: t.registeredAt.toISOString(),
    assignedAt: t.assignedAt?.toISOString() ?? null,
    signOffDueAt: t.signOffDueAt?.toISOString() ?? null,
    dueAt: t.dueAt.toISOString(),
    followUpDueAt: t.followUpDueAt?.toISOString() ?? null,
    repliedAt: t.repliedAt?.toISOString() ?? null,
    closedAt: t.closedAt?.toISOString() ?? null,
    escalationLevel: t.escalationLevel,
    signOffEscalationLevel: t.signOffEscalationLevel,
    calendarWarning: t.calendarWarning,
    reopenCount: t.reopenCount,
    leaderAttention: t.leaderAttention,
    supervisorFlag: t.supervisorFlag,
    mergedInto: t.mergedInto,
    pendingExtension: t.pendingExtension,
    pendingPause: t.pendingPause,
    paused: t.paused,
    pendingScreening: t.pendingScreening,
    screeningCategory: t.screeningCategory,
    screeningLabel: label(SCREENING_LABELS, t.screeningCategory),
    screenedAt: t.screenedAt?.toISOString() ?? null,
    reportedUpAt: t.reportedUpAt?.toISOString() ?? null,
    coHandlers: t.coHandlers,
    reply: t.reply,
    result: t.result,
    publicSummary: t.publicSummary,
    satisfaction: t.satisfaction,
    version: t.version,
  };
}

export type StaffTicketView = ReturnType<typeof staffTicketView>;

/** One deadline row as staff read it (SPEC §18 `deadlines[]`). */
export function deadlineView(d: DeadlineRow) {
  return {
    kind: d.kind,
    kindLabel: DEADLINE_KIND_LABELS[d.kind],
    departmentCode: d.departmentCode,
    startedAt: d.startedAt.toISOString(),
    dueAt: d.dueAt.toISOString(),
    level: d.level,
    paused: d.pausedAt !== null,
    pausedAt: d.pausedAt?.toISOString() ?? null,
    open: d.state === 'open',
    closedAt: d.closedAt?.toISOString() ?? null,
  };
}

export function staffEventView(e: EventRow) {
  return {
    type: e.type,
    typeLabel: label(EVENT_TYPE_LABELS, e.type),
    at: e.at.toISOString(),
    actor: e.actorLabel,
    note: e.note,
    public: e.public,
    ...e.data,
  };
}

/** Only what SPEC §5 allows a resident to see: no name, phone, address or internal notes. */
export function publicTicketView(
  t: TicketRow,
  names: { category: string | null; department: string | null },
  events: EventRow[],
) {
  const replied = t.repliedAt !== null && t.reply !== null;
  return {
    ticketNo: formatTicketNo(t.ticketNo),
    ...stateLabels(t),
    category: names.category,
    department: names.department,
    receivedAt: t.receivedAt.toISOString(),
    dueAt: t.dueAt.toISOString(),
    reply: replied ? t.reply : null,
    repliedAt: replied ? t.repliedAt!.toISOString() : null,
    mergedInto: t.mergedInto ? formatTicketNo(t.mergedInto) : null,
    awaitingFeedback: t.status === 'replied',
    timeline: events
      .filter((e) => e.public)
      .map((e) => ({ type: e.type, label: label(EVENT_TYPE_LABELS, e.type), at: e.at.toISOString(), note: e.note })),
  };
}
