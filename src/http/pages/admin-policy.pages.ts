// Admin pages for the time limits and escalation ladders (SLA) and the holiday calendar of a year
// (SPEC §7). Dates are typed one per line, or as a range `2026-10-01~2026-10-07`.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { dateKeyToEpochDay, epochDayToKey, shanghaiDateKeyIso } from '../../domain/local-date.js';
import type { Duration } from '../../domain/calendar.js';
import { getCalendarYear, getSla, previewCalendarYear, putCalendarYear, putSla, type AffectedDeadline } from '../../services/policy.admin.service.js';
import { calendarBodySchema, slaSchema, yearParams } from '../schemas.js';
import { staffActor } from '../plugins/auth.js';
import { calendarFields, slaGroups } from './form-specs.js';
import { emptyForm, formBody, formError, parseWith, str, type FormState, type FormValues } from './forms.js';
import { renderStaff, statusOf } from './render.js';

const MAX_RANGE_DAYS = 31;

/** Reads `a~b` ranges and single dates; anything else is passed on for the service to name. */
function parseDates(text: string | undefined): string[] {
  const out: string[] = [];
  for (const token of (text ?? '').split(/[\s,，;；]+/).filter(Boolean)) {
    const [from, to] = token.split(/[~～至]/);
    const a = dateKeyToEpochDay(from);
    const b = to === undefined ? null : dateKeyToEpochDay(to);
    if (a !== null && b !== null && b >= a && b - a < MAX_RANGE_DAYS) {
      for (let d = a; d <= b; d++) out.push(epochDayToKey(d));
    } else out.push(token);
  }
  return out;
}

/** Consecutive dates written back as ranges, one per line. */
function formatDates(keys: string[]): string {
  const days = keys.map((k) => dateKeyToEpochDay(k)).filter((d): d is number => d !== null).sort((x, y) => x - y);
  const lines: string[] = [];
  for (let i = 0; i < days.length; ) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === days[j] + 1) j++;
    lines.push(i === j ? epochDayToKey(days[i]) : `${epochDayToKey(days[i])}~${epochDayToKey(days[j])}`);
    i = j + 1;
  }
  return lines.join('\n');
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
}

function getPath(source: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], source);
}

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;
  const guard = app.guard({ can: 'administer' });
  const who = (request: FastifyRequest) => `user:${staffActor(request).username}`;
  const slaFields = slaGroups().flatMap((g) => g.fields);

  async function slaPage(request: FastifyRequest, reply: FastifyReply, form: FormState | null, status = 200) {
    const values: FormValues = {};
    if (!form) {
      const sla = await getSla(deps);
      for (const f of slaFields) {
        const d = getPath(sla, f.name) as Duration | undefined;
        if (d) Object.assign(values, { [`${f.name}.amount`]: String(d.amount), [`${f.name}.unit`]: d.unit });
      }
    }
    const saved = (request.query as Record<string, unknown>).saved === '1';
    return renderStaff(request, reply, 'staff/admin/sla', { title: '办理时限与督办阶梯', groups: slaGroups(), form: form ?? emptyForm(values), saved }, status);
  }

  app.get('/admin/sla', { preValidation: guard }, (request, reply) => slaPage(request, reply, null));
  app.post('/admin/sla', { preValidation: guard }, async (request, reply) => {
    const values = formBody(request);
    try {
      const body: Record<string, unknown> = {};
      for (const f of slaFields) {
        const amount = str(values, `${f.name}.amount`);
        setPath(body, f.name, { amount: amount !== undefined && Number.isFinite(Number(amount)) ? Number(amount) : amount, unit: str(values, `${f.name}.unit`) });
      }
      await putSla(deps, who(request), parseWith(slaSchema, body));
      return reply.redirect('/staff/admin/sla?saved=1', 303);
    } catch (err) {
      return slaPage(request, reply, formError(err, values, slaFields), statusOf(err as DomainError));
    }
  });

  const yearOf = (request: FastifyRequest) => parseWith(yearParams, request.params).year;

  async function calendarPage(request: FastifyRequest, reply: FastifyReply, year: number, form: FormState | null, status = 200, preview: AffectedDeadline[] | null = null) {
    const cal = await getCalendarYear(deps, year);
    const values = { holidays: formatDates(cal.holidays), workdays: formatDates(cal.workdays) };
    const query = request.query as Record<string, unknown>;
    return renderStaff(request, reply, 'staff/admin/calendar', {
      title: `${year}年节假日安排`, year, configured: cal.configured, counts: { holidays: cal.holidays.length, workdays: cal.workdays.length },
      fields: calendarFields(year), form: form ?? emptyForm(values), saved: query.saved === '1', moved: typeof query.moved === 'string' ? Number(query.moved) : null,
      preview,
    }, status);
  }

  app.get('/admin/calendar', { preValidation: guard }, async (_request, reply) =>
    reply.redirect(`/staff/admin/calendar/${shanghaiDateKeyIso(deps.clock.now()).slice(0, 4)}`, 303),
  );
  app.get('/admin/calendar/:year', { preValidation: guard }, (request, reply) => calendarPage(request, reply, yearOf(request), null));
  app.post('/admin/calendar/:year', { preValidation: guard }, async (request, reply) => {
    const year = yearOf(request);
    const values = formBody(request);
    try {
      const body = parseWith(calendarBodySchema, { holidays: parseDates(str(values, 'holidays')), workdays: parseDates(str(values, 'workdays')) });
      // SPEC §18: first the open deadlines the change would move, then the admin saves — moving
      // them (`apply`) or keeping them as given (`keep`).
      const confirm = str(values, 'confirm');
      if (confirm !== 'apply' && confirm !== 'keep') {
        return calendarPage(request, reply, year, emptyForm(values), 200, await previewCalendarYear(deps, { year, ...body }));
      }
      const r = await putCalendarYear(deps, who(request), { year, ...body }, { apply: confirm === 'apply' });
      return reply.redirect(`/staff/admin/calendar/${year}?saved=1${r.applied ? `&moved=${r.affectedTickets.length}` : ''}`, 303);
    } catch (err) {
      return calendarPage(request, reply, year, formError(err, values, calendarFields(year)), statusOf(err as DomainError));
    }
  });
};

export default pages;
