// Open311 GeoReport v2 use cases (SPEC §16): services from the catalogue, requests registered
// through the one registration service (source `open311`, channel `web`), requests and updates
// read through the pure mapping of src/domain/open311.ts. Input arrives loosely, as Open311 clients
// send it: unknown fields are ignored, empty values count as absent, errors name the field.
import { LANDLINE_RE, MOBILE_RE } from '../domain/phone.js';
import { createHash } from 'node:crypto';
import { DomainError, validationError, type ErrorDetail } from '../domain/errors.js';
import {
  DEFAULT_WINDOW_MS, MAX_REQUESTS, MAX_UPDATES, parseOpen311Date, readAttributes, toRequest, toService,
  toServiceDefinition, toUpdate, open311Date,
} from '../domain/open311.js';
import { parseTicketNo } from '../domain/ticket-number.js';
import { OPEN_STATUSES, FINISHED_STATUSES } from '../domain/ticket-rules.js';
import { canonicalJson } from '../db/audit.repository.js';
import * as repo from '../db/open311.repository.js';
import { findStoredAnswer } from '../db/idempotency.repository.js';
import { getCatalogue } from './catalogue.service.js';
import { registerTicket } from './register.service.js';
import type { ServiceDeps } from './deps.js';

/** Retries of one submission (same key, same fields) within this window get the same request id. */
export const RETRY_WINDOW_MS = 10 * 60_000;

export interface Open311Key {
  keyId: string;
  name: string;
}

/** One field as a trimmed string, or undefined when absent or empty (FixMyStreet sends `last_name=`). */
function field(raw: Record<string, unknown>, name: string): string | undefined {
  let v = raw[name];
  if (Array.isArray(v)) v = v[v.length - 1];
  if (typeof v === 'number' || typeof v === 'boolean') v = String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** `attribute[code]=…` form fields, or a JSON `attribute: { code: … }` object. */
function attributesOf(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const nested = raw.attribute;
  if (nested && typeof nested === 'object' && !Array.isArray(nested)) {
    for (const k of Object.keys(nested)) {
      const v = field(nested as Record<string, unknown>, k);
      if (v !== undefined) out[k] = v;
    }
  }
  for (const k of Object.keys(raw)) {
    const m = /^attribute\[([^\]]+)\]$/.exec(k);
    const v = m ? field(raw, k) : undefined;
    if (m && v !== undefined) out[m[1]] = v;
  }
  return out;
}

function coordinate(raw: Record<string, unknown>, name: 'lat' | 'long', limit: number, details: ErrorDetail[]): number | undefined {
  const v = field(raw, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v) || !(Math.abs(n) <= limit)) {
    details.push({ path: name, message: `${name} 应为 -${limit} 到 ${limit} 之间的 WGS-84 坐标` });
    return undefined;
  }
  return n;
}

function nameOf(first?: string, last?: string): string | undefined {
  const parts = [last, first].filter((p): p is string => !!p);
  if (parts.length === 0) return undefined;
  // Chinese names read family name first, without a space; others as the client gave them.
  const han = parts.every((p) => /^\p{Script=Han}+$/u.test(p));
  const name = han ? parts.join('') : [first, last].filter(Boolean).join(' ');
  return [...name].slice(0, 30).join('');
}

function phoneOf(v?: string): string | undefined {
  if (!v) return undefined;
  const p = v.replace(/[\s()（）]/g, '').replace(/^(\+86|0086)-?/, '');
  return MOBILE_RE.test(p) || LANDLINE_RE.test(p) ? p : undefined;
}

export async function listServices(deps: ServiceDeps) {
  const cat = await getCatalogue(deps);
  return [...cat.categories.values()]
    .filter((c) => c.active)
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((c) => toService({ code: c.code, name: c.name, keywords: c.keywords, departmentName: cat.departments.get(c.departmentCode)?.name ?? null }));
}

async function activeCategory(deps: ServiceDeps, code: string) {
  const c = (await getCatalogue(deps)).categories.get(code);
  if (!c || !c.active) throw new DomainError('NOT_FOUND', `没有这个服务：service_code ${code}`, [{ path: 'service_code', message: '没有这个服务' }]);
  return c;
}

export async function serviceDefinition(deps: ServiceDeps, code: string) {
  await activeCategory(deps, code);
  return toServiceDefinition(code);
}

/** POST requests: one ticket per submission; a retry of the same submission answers the same id. */
export async function submitRequest(deps: ServiceDeps, key: Open311Key, raw: Record<string, unknown>) {
  const serviceCode = field(raw, 'service_code');
  if (!serviceCode) throw validationError([{ path: 'service_code', message: '缺少 service_code' }], '缺少 service_code');
  await activeCategory(deps, serviceCode);

  const details: ErrorDetail[] = [];
  const lat = coordinate(raw, 'lat', 90, details);
  const long = coordinate(raw, 'long', 180, details);
  const addressString = field(raw, 'address_string');
  const addressId = field(raw, 'address_id');
  if (field(raw, 'lat') !== undefined && field(raw, 'long') === undefined) details.push({ path: 'long', message: '给出 lat 时必须同时给出 long' });
  if (field(raw, 'long') !== undefined && field(raw, 'lat') === undefined) details.push({ path: 'lat', message: '给出 long 时必须同时给出 lat' });
  if (field(raw, 'lat') === undefined && field(raw, 'long') === undefined && !addressString && !addressId) {
    details.push({ path: 'lat', message: '缺少位置：请给出 lat 和 long，或 address_string' });
  }
  const description = field(raw, 'description');
  if (!description) details.push({ path: 'description', message: '缺少 description（诉求内容）' });
  else if ([...description].length < 5) details.push({ path: 'description', message: '诉求内容至少5个字' });
  else if ([...description].length > 2000) details.push({ path: 'description', message: '诉求内容最多2000个字' });
  const attributes = readAttributes(attributesOf(raw));
  details.push(...attributes.problems);
  if (details.length > 0) throw validationError(details, `请求有误：${details.map((d) => d.path).join('、')}`);

  const catalogue = await getCatalogue(deps);
  const compact = addressString?.replace(/\s+/gu, '') ?? '';
  const village = compact
    ? [...catalogue.departments.values()].find((d) => d.kind === 'village' && d.active && compact.includes(d.name))
    : undefined;
  const name = nameOf(field(raw, 'first_name'), field(raw, 'last_name'));
  const phone = phoneOf(field(raw, 'phone'));
  const input = {
    channel: 'web' as const,
    kind: attributes.kind,
    content: description!,
    ...(name || phone ? { complainant: { ...(name ? { name } : {}), ...(phone ? { phone } : {}) } } : {}),
    ...(village ? { villageCode: village.code } : {}),
    ...(addressString ? { address: [...addressString].slice(0, 200).join('') } : {}),
    categoryCode: serviceCode,
    ...(lat !== undefined && long !== undefined ? { location: { lat, long } } : {}),
  };

  // No Idempotency-Key from Open311 clients: the key is derived from the submission itself, in
  // windows of RETRY_WINDOW_MS; a retry just after a window turned finds the previous window's answer.
  const scope = `open311:${key.keyId}`;
  const digest = createHash('sha256').update(canonicalJson({ ...input, email: field(raw, 'email') ?? null })).digest('hex').slice(0, 48);
  const window = Math.floor(deps.clock.now().getTime() / RETRY_WINDOW_MS);
  const previous = await findStoredAnswer(deps.db, scope, `o311-${digest}-${window - 1}`);
  const answer = previous
    ? { body: previous.response }
    : await registerTicket(deps, { scope, label: `Open311：${key.name}`, userId: null, apiKeyId: key.keyId, source: 'open311' }, `o311-${digest}-${window}`, input);
  const body = answer.body as { ticketNo: string; dueAt: string };
  return [{ service_request_id: body.ticketNo, service_notice: `已登记，办理期限 ${open311Date(new Date(body.dueAt))}`, account_id: '' }];
}

function list(v?: string): string[] | null {
  const items = v?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  return items.length ? items : null;
}

function window(raw: Record<string, unknown>, now: Date): { start: Date; end: Date } {
  const details: ErrorDetail[] = [];
  const dates: Partial<Record<'start_date' | 'end_date', Date>> = {};
  for (const name of ['start_date', 'end_date'] as const) {
    const v = field(raw, name);
    if (v === undefined) continue;
    const d = parseOpen311Date(v);
    if (d) dates[name] = d;
    else details.push({ path: name, message: `${name} 应为带时区的日期时间，如 2026-11-25T09:30:00+08:00 或 2026-11-25T01:30:00Z` });
  }
  if (details.length) throw validationError(details, `请求有误：${details.map((d) => d.path).join('、')}`);
  const end = dates.end_date ?? (dates.start_date && dates.start_date.getTime() + DEFAULT_WINDOW_MS < now.getTime() ? new Date(dates.start_date.getTime() + DEFAULT_WINDOW_MS) : now);
  const start = dates.start_date ?? new Date(end.getTime() - DEFAULT_WINDOW_MS);
  if (start > end) throw validationError([{ path: 'end_date', message: 'end_date 不能早于 start_date' }], '请求有误：end_date');
  return { start, end };
}

const ticketNos = (ids: string[]): string[] =>
  ids.map((id) => parseTicketNo(id)).flatMap((r) => (r.ok ? [r.ticketNo] : []));

export async function listRequests(deps: ServiceDeps, raw: Record<string, unknown>) {
  // A service_request_id list overrides every other filter (the standard).
  const ids = list(field(raw, 'service_request_id'));
  if (ids) {
    const nos = ticketNos(ids.slice(0, MAX_REQUESTS));
    return nos.length ? (await repo.findOpen311Tickets(deps.db, nos)).map(toRequest) : [];
  }
  const statusWords = list(field(raw, 'status'));
  if (statusWords?.some((s) => s !== 'open' && s !== 'closed')) {
    throw validationError([{ path: 'status', message: 'status 只能是 open 或 closed' }], '请求有误：status');
  }
  const { start, end } = window(raw, deps.clock.now());
  const statuses = statusWords
    ? [...(statusWords.includes('open') ? OPEN_STATUSES : []), ...(statusWords.includes('closed') ? FINISHED_STATUSES : [])]
    : null;
  const rows = await repo.listOpen311Tickets(deps.db, {
    categoryCodes: list(field(raw, 'service_code')),
    statuses,
    start,
    end,
    limit: MAX_REQUESTS,
  });
  return rows.map(toRequest);
}

export async function getRequest(deps: ServiceDeps, id: string) {
  const parsed = parseTicketNo(id);
  const rows = parsed.ok ? await repo.findOpen311Tickets(deps.db, [parsed.ticketNo]) : [];
  if (!rows[0]) throw new DomainError('NOT_FOUND', `没有这个诉求：service_request_id ${id}`, [{ path: 'service_request_id', message: '没有这个诉求' }]);
  return [toRequest(rows[0])];
}

export async function listUpdates(deps: ServiceDeps, raw: Record<string, unknown>) {
  const { start, end } = window(raw, deps.clock.now());
  return (await repo.listOpen311Events(deps.db, start, end, MAX_UPDATES)).map(toUpdate);
}

/** A resident's update from the client: kept on the ticket's timeline for staff (not public). */
export async function postUpdate(deps: ServiceDeps, key: Open311Key, raw: Record<string, unknown>) {
  const id = field(raw, 'service_request_id');
  const description = field(raw, 'description');
  const details: ErrorDetail[] = [];
  if (!id) details.push({ path: 'service_request_id', message: '缺少 service_request_id' });
  if (!description) details.push({ path: 'description', message: '缺少 description（补充内容）' });
  else if ([...description].length > 2000) details.push({ path: 'description', message: '补充内容最多2000个字' });
  if (details.length) throw validationError(details, `请求有误：${details.map((d) => d.path).join('、')}`);
  const parsed = parseTicketNo(id!);
  const eventId = parsed.ok
    ? await repo.insertOpen311Update(deps.db, parsed.ticketNo, {
        at: deps.clock.now(),
        actorLabel: `Open311：${key.name}`,
        note: description!,
        data: { status: field(raw, 'status') ?? null, clientUpdateId: field(raw, 'update_id') ?? field(raw, 'update_id_ext') ?? null },
      })
    : null;
  if (!eventId) throw new DomainError('NOT_FOUND', `没有这个诉求：service_request_id ${id}`, [{ path: 'service_request_id', message: '没有这个诉求' }]);
  return [{ update_id: eventId }];
}
