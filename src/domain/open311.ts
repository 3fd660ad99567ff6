// Open311 GeoReport v2 (SPEC §16) as pure rules: how tickets, categories and timeline events read
// to an Open311 client, the one attribute services carry, and the standard's date and list
// conventions. No personal data ever leaves through here: the description is the public summary
// or the content scrubbed as the monthly notice scrubs it, the address is the village.
import { FINISHED_STATUSES } from './ticket-rules.js';
import { scrubText, villageOnly } from './masking.js';
import { EVENT_TYPE_LABELS, OUTCOME_LABELS, STATUS_LABELS } from './ticket-labels.js';
import { KIND_LABELS, KINDS, type Kind } from './sla.js';

/** Shanghai has had no daylight saving since 1991: every instant is shown at +08:00. */
const OFFSET_MS = 8 * 3600_000;

/** `2026-11-25T09:30:00+08:00`: W3C date-time with its offset, as the standard asks. */
export function open311Date(d: Date): string {
  return `${new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

const W3C_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** A `start_date` / `end_date`: a W3C date-time with `Z` or an offset (`+08:00`); null when not one. */
export function parseOpen311Date(s: string): Date | null {
  // A `+` in a query string arrives as a space when the client did not percent-encode it.
  const v = s.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
  if (!W3C_DATE.test(v)) return null;
  const d = new Date(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The standard's default window of GET requests, and its cap on the number returned. */
export const DEFAULT_WINDOW_MS = 90 * 24 * 3600_000;
export const MAX_REQUESTS = 1000;
/** Updates returned by one servicerequestupdates poll. */
export const MAX_UPDATES = 1000;

// ---------------------------------------------------------------------------------------------
// Services

/** The one attribute every service carries: what kind of demand it is (complaint unless chosen). */
export const KIND_ATTRIBUTE = {
  variable: true,
  code: 'kind',
  datatype: 'singlevaluelist',
  required: false,
  datatype_description: '诉求类型，不填为投诉',
  order: 1,
  description: '诉求类型',
  values: KINDS.map((k) => ({ key: k, name: KIND_LABELS[k] })),
} as const;

export interface Open311Attribute {
  variable: boolean;
  code: string;
  datatype: string;
  required: boolean;
  datatype_description: string;
  order: number;
  description: string;
  values: readonly { key: string; name: string }[];
}

export const SERVICE_ATTRIBUTES: readonly Open311Attribute[] = [KIND_ATTRIBUTE];

export interface ServiceSource {
  code: string;
  name: string;
  keywords: readonly string[];
  departmentName: string | null;
}

export function toService(c: ServiceSource, attributes: readonly Open311Attribute[] = SERVICE_ATTRIBUTES) {
  return {
    service_code: c.code,
    service_name: c.name,
    description: `${c.name}（承办：${c.departmentName ?? '待定'}）`,
    metadata: attributes.length > 0,
    type: 'realtime' as const,
    keywords: c.keywords.join(','),
    group: c.departmentName ?? '',
  };
}

export function toServiceDefinition(code: string, attributes: readonly Open311Attribute[] = SERVICE_ATTRIBUTES) {
  return { service_code: code, attributes: attributes.map((a) => ({ ...a, values: a.values.map((v) => ({ ...v })) })) };
}

/** Attribute values sent as `attribute[code]`: problems by field, and the kind they choose. */
export function readAttributes(
  given: Record<string, string>,
  attributes: readonly Open311Attribute[] = SERVICE_ATTRIBUTES,
): { kind: Kind; problems: { path: string; message: string }[] } {
  const problems: { path: string; message: string }[] = [];
  let kind: Kind = 'complaint';
  for (const a of attributes) {
    const v = given[a.code];
    if (v === undefined) {
      if (a.required) problems.push({ path: `attribute[${a.code}]`, message: `缺少必填属性 ${a.code}` });
      continue;
    }
    if (a.datatype === 'singlevaluelist' && !a.values.some((x) => x.key === v)) {
      problems.push({ path: `attribute[${a.code}]`, message: `取值应为 ${a.values.map((x) => x.key).join('、')} 之一` });
      continue;
    }
    if (a.code === 'kind') kind = v as Kind;
  }
  return { kind, problems };
}

// ---------------------------------------------------------------------------------------------
// Requests

/** What a ticket carries that Open311 may show (never name, phone or the address beyond the village). */
export interface RequestSource {
  ticketNo: string;
  status: string;
  outcome: string | null;
  content: string;
  publicSummary: string | null;
  complainantName: string | null;
  address: string | null;
  villageName: string | null;
  categoryCode: string | null;
  categoryName: string | null;
  departmentName: string | null;
  receivedAt: Date;
  updatedAt: Date;
  dueAt: Date;
  lat: number | null;
  lng: number | null;
}

export const isClosed = (status: string): boolean => (FINISHED_STATUSES as readonly string[]).includes(status);

export function statusNotes(status: string, outcome: string | null): string {
  const state = (STATUS_LABELS as Record<string, string>)[status] ?? status;
  const out = outcome ? (OUTCOME_LABELS as Record<string, string>)[outcome] ?? outcome : null;
  return out && out !== state ? `${state}：${out}` : state;
}

/** The public text of a request: the summary a person wrote, else the content, scrubbed (SPEC §8's rule). */
export function publicDescription(r: Pick<RequestSource, 'content' | 'publicSummary' | 'complainantName' | 'address'>): string {
  const text = r.publicSummary?.trim() ? r.publicSummary : r.content;
  return scrubText(text, { names: [r.complainantName], addresses: [r.address], maxLength: 200 });
}

export function toRequest(r: RequestSource) {
  return {
    service_request_id: r.ticketNo,
    status: isClosed(r.status) ? ('closed' as const) : ('open' as const),
    status_notes: statusNotes(r.status, r.outcome),
    service_name: r.categoryName ?? '',
    service_code: r.categoryCode ?? '',
    description: publicDescription(r),
    agency_responsible: r.departmentName ?? '',
    service_notice: '',
    requested_datetime: open311Date(r.receivedAt),
    updated_datetime: open311Date(r.updatedAt),
    expected_datetime: open311Date(r.dueAt),
    address: villageOnly(null, r.villageName) ?? '',
    address_id: '',
    zipcode: '',
    lat: r.lat,
    long: r.lng,
    media_url: '',
  };
}

export type Open311Request = ReturnType<typeof toRequest>;

// ---------------------------------------------------------------------------------------------
// Updates (the mySociety servicerequestupdates extension)

/** A timeline event's status word for FixMyStreet-style clients (their lower-case set). */
export function updateStatus(eventType: string, ticket: { status: string; outcome: string | null }, latest: boolean): string {
  if (latest && isClosed(ticket.status)) {
    if (ticket.status === 'merged') return 'duplicate';
    if (ticket.outcome === 'rejected') return 'not_councils_responsibility';
    if (ticket.outcome === 'unresolvable') return 'no_further_action';
    return ticket.outcome === 'resolved' ? 'fixed' : 'closed';
  }
  switch (eventType) {
    case 'accepted':
    case 'extension_decided':
    case 'instructed':
      return 'in_progress';
    case 'returned':
    case 'return_decided':
      return 'investigating';
    case 'replied':
      return 'action_scheduled';
    case 'reopened':
      return 'reopen';
    case 'merged':
      return 'duplicate';
    case 'closed':
      return 'closed';
    default:
      return isClosed(ticket.status) ? 'closed' : 'open';
  }
}

export interface UpdateSource {
  eventId: string;
  type: string;
  at: Date;
  note: string | null;
  latest: boolean;
  ticket: Pick<RequestSource, 'ticketNo' | 'status' | 'outcome' | 'complainantName' | 'address'>;
}

export function toUpdate(u: UpdateSource) {
  const label = (EVENT_TYPE_LABELS as Record<string, string>)[u.type] ?? u.type;
  const note = u.note?.trim()
    ? scrubText(u.note, { names: [u.ticket.complainantName], addresses: [u.ticket.address], maxLength: 500 })
    : '';
  return {
    update_id: u.eventId,
    service_request_id: u.ticket.ticketNo,
    status: updateStatus(u.type, u.ticket, u.latest),
    updated_datetime: open311Date(u.at),
    description: note ? `${label}：${note}` : label,
    media_url: '',
  };
}
