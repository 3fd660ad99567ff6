// The ticket list with filters and cursor paging, and the ticket page: details, timeline and one
// form per action the signed-in person may take now (SPEC §3). An action posts to
// /staff/tickets/:no/actions/:action and comes back to the page; a refused or invalid action comes
// back with the message next to the field and everything typed still there.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { ACTIONS, NOTE_ACTIONS, type TicketAction } from '../../domain/ticket.js';
import { domainActor, getTicketForStaff, listTicketsForStaff } from '../../services/tickets.query.service.js';
import { submitAction } from '../../services/actions.service.js';
import { listTicketAttachments } from '../../services/attachment-access.service.js';
import { can } from '../../domain/capabilities.js';
import { attachmentNotices } from './attachments.pages.js';
import { getCatalogue, suggestCategories } from '../../services/catalogue.service.js';
import { ACTION_NAMES, type ActionName } from '../../domain/action-bodies.js';
import { listQuerySchema } from '../schemas.js';
import { staffActor } from '../plugins/auth.js';
import { actionForm, catalogueOptions, listFilterFields, type ActionFormSpec, type CatalogueOptions } from './form-specs.js';
import { bool, checked, compact, durationInput, emptyForm, formBody, formError, list, num, parseWith, str, type FormState, type FormValues } from './forms.js';
import { LABELS, fromLocalInput } from './format.js';
import { renderStaff, statusOf } from './render.js';

/**
 * The order the action forms appear in: the next step of the work first, notes last; an action
 * added to the domain and named in neither list appears before the notes.
 */
const WORK_FIRST: TicketAction[] = [
  'accept', 'reply', 'assign', 'decide_return', 'decide_extension', 'record_followup', 'request_extension',
  'return', 'reopen', 'reject', 'merge', 'decide_pause', 'decide_screening', 'resume', 'submit_cohandling', 'waive_cohandling',
];
const ACTION_ORDER: TicketAction[] = [
  ...WORK_FIRST, ...ACTIONS.filter((a) => !WORK_FIRST.includes(a) && !NOTE_ACTIONS.includes(a)), ...NOTE_ACTIONS,
];
const PAGE_SIZE = 30;

/** An action body from its form, typed by the form's field kinds (yes/no radios are booleans). */
function actionInput(spec: ActionFormSpec, v: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of spec.fields) {
    const yesNo = f.options?.length === 2 && f.options[0].value === 'true';
    const local = f.type === 'datetime-local' ? str(v, f.name) : undefined;
    out[f.name] =
      f.type === 'checkbox' ? checked(v, f.name)
      : f.type === 'checkboxes' ? (list(v, f.name).length ? list(v, f.name) : undefined)
      : f.type === 'duration' ? (durationInput(v, f.name) ?? undefined)
      : f.type === 'number' ? num(v, f.name)
      : f.type === 'datetime-local' ? (local ? (fromLocalInput(local) ?? local) : undefined)
      : yesNo ? bool(v, f.name) : str(v, f.name);
  }
  for (const b of spec.submit) if (b.name) out[b.name] = bool(v, b.name);
  return compact(out);
}

type StaffTicket = Awaited<ReturnType<typeof getTicketForStaff>>;

function actionDefaults(action: TicketAction, t: StaffTicket, suggested: string | null, departmentOf: (c: string) => string | undefined): FormValues {
  if (action !== 'assign') return {};
  const category = t.categoryCode ?? suggested;
  return compact({ departmentCode: category ? departmentOf(category) : undefined, categoryCode: t.categoryCode ? undefined : (suggested ?? undefined) }) as FormValues;
}

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;

  app.get('/tickets', { preValidation: app.guard() }, async (request, reply) => {
    const o = catalogueOptions(await getCatalogue(deps));
    const fields = listFilterFields(o);
    const query = request.query as Record<string, unknown>;
    const values: FormValues = {};
    for (const f of fields) if (typeof query[f.name] === 'string' && query[f.name]) values[f.name] = query[f.name] as string;
    const cursor = typeof query.cursor === 'string' ? query.cursor : undefined;
    let page: Awaited<ReturnType<typeof listTicketsForStaff>> = { items: [], nextCursor: null };
    let form = emptyForm(values);
    try {
      page = await listTicketsForStaff(deps, staffActor(request), parseWith(listQuerySchema, { ...values, cursor, limit: String(PAGE_SIZE) }));
    } catch (err) {
      form = formError(err, values, [...fields, { name: 'cursor', label: '分页', type: 'text' }], 'l');
    }
    const qs = (extra: Record<string, string>) => new URLSearchParams({ ...(values as Record<string, string>), ...extra }).toString();
    return renderStaff(request, reply, 'staff/tickets', {
      title: '工单',
      fields,
      form,
      items: page.items,
      nextHref: page.nextCursor ? `/staff/tickets?${qs({ cursor: page.nextCursor })}` : null,
      firstHref: cursor ? `/staff/tickets?${qs({})}` : null,
      // SPEC §15: the same filters, every matching ticket, as a ledger file.
      downloads: form.message ? [] : (['xlsx', 'csv'] as const).map((format) => ({ format, href: `/api/v1/tickets?${qs({ format })}` })),
    });
  });

  async function ticketPage(
    request: FastifyRequest,
    reply: FastifyReply,
    no: string,
    failed: { action: TicketAction; form: FormState } | null,
    status = 200,
  ) {
    const unmask = request.method === 'GET' && (request.query as Record<string, unknown>).unmask === 'true';
    const ticket = await getTicketForStaff(deps, staffActor(request), no, { unmask });
    const catalogue = await getCatalogue(deps);
    const o: CatalogueOptions = catalogueOptions(catalogue);
    const suggestions = ticket.categoryCode ? [] : await suggestCategories(deps, ticket.content, 3);
    const allowed = ACTION_ORDER.filter((a) => ticket.allowedActions.includes(a));
    const departmentOf = (c: string) => catalogue.categories.get(c)?.departmentCode;
    const actions = allowed.map((action, i) => ({
      action,
      label: LABELS.action[action],
      spec: actionForm(action, o),
      form: failed?.action === action ? failed.form : emptyForm(actionDefaults(action, ticket, suggestions[0]?.code ?? null, departmentOf)),
      open: failed ? failed.action === action : i === 0 && action !== 'comment',
    }));
    const lastReturn = [...ticket.timeline].reverse().find((e) => e.type === 'returned') as Record<string, unknown> | undefined;
    const query = request.query as Record<string, unknown>;
    const done = query.done;
    return renderStaff(request, reply, 'staff/ticket', {
      title: `工单 ${ticket.ticketNoFormatted}`,
      ticket,
      actions,
      suggestions,
      lastReturn,
      done: typeof done === 'string' && done in LABELS.action ? LABELS.action[done] : null,
      // A refused action whose form is no longer offered (someone else acted first) is reported on top.
      failure: failed && !allowed.includes(failed.action) ? `${LABELS.action[failed.action]}：${failed.form.message}` : null,
      // SPEC §17: the files, the upload form, the public switch.
      attachments: await listTicketAttachments(deps, staffActor(request), ticket.ticketNo),
      canPublish: can(staffActor(request).roles, 'publishAttachments'),
      ...attachmentNotices(query),
    }, status);
  }

  app.get('/tickets/:no', { preValidation: app.guard() }, async (request, reply) =>
    ticketPage(request, reply, (request.params as { no: string }).no, null),
  );

  app.post('/tickets/:no/actions/:action', { preValidation: app.guard() }, async (request, reply) => {
    const { no, action: name } = request.params as { no: string; action: string };
    if (!(ACTION_NAMES as string[]).includes(name)) throw new DomainError('NOT_FOUND', '没有这个操作');
    const action = name as ActionName;
    const staff = staffActor(request);
    const party = { actor: domainActor(staff), label: staff.displayName };
    const values = formBody(request);
    const spec = actionForm(action, catalogueOptions(await getCatalogue(deps)));
    try {
      // As the API: who may act and from which state is answered before what was typed.
      const row = await submitAction(deps, party, no, action, actionInput(spec, values));
      return reply.redirect(`/staff/tickets/${row.ticketNo}?done=${action}`, 303);
    } catch (err) {
      if (err instanceof DomainError && ['TICKET_NOT_FOUND', 'TICKET_NO_INVALID'].includes(err.code)) throw err;
      const form = formError(err, values, spec.fields, `a-${action}`);
      return ticketPage(request, reply, no, { action, form }, err instanceof DomainError ? statusOf(err) : 400);
    }
  });
};

export default pages;
