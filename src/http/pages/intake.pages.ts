// The service hall's registration form and the receipt it leads to (SPEC §4, §13). The form posts
// to the registration service with a per-form Idempotency-Key, so a double Enter registers once.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import { DomainError, validationError } from '../../domain/errors.js';
import { parseTicketNo } from '../../domain/ticket-number.js';
import { registerTicket } from '../../services/register.service.js';
import { getTicketForStaff, listScope } from '../../services/tickets.query.service.js';
import { getCatalogue } from '../../services/catalogue.service.js';
import { lookupUrl } from '../../services/notify.service.js';
import { registrationSchema } from '../schemas.js';
import { issuesToDetails } from '../../domain/zod-zh.js';
import { staffActor } from '../plugins/auth.js';
import { catalogueOptions, registrationGroups } from './form-specs.js';
import { checked, compact, emptyForm, formBody, formError, str, type FormState, type FormValues } from './forms.js';
import { fromLocalInput, localInputValue } from './format.js';
import { renderStaff, statusOf } from './render.js';

const KEY_RE = /^[A-Za-z0-9_.:-]{8,100}$/;
const RECEIPT_FORMATS = ['a5', 'a4', 'narrow'] as const;

/** The registration body of SPEC §4 from the form's fields (blank fields are left out). */
export function registrationInput(v: FormValues) {
  const received = str(v, 'receivedAt');
  const complainant = compact({
    name: str(v, 'complainant.name'),
    phone: str(v, 'complainant.phone'),
    anonymous: checked(v, 'complainant.anonymous') || undefined,
  });
  const wechat = compact({ group: str(v, 'wechat.group'), sender: str(v, 'wechat.sender'), messageId: str(v, 'wechat.messageId') });
  return compact({
    channel: str(v, 'channel'),
    kind: str(v, 'kind'),
    content: str(v, 'content'),
    complainant: Object.keys(complainant).length ? complainant : undefined,
    confidential: checked(v, 'confidential') || undefined,
    villageCode: str(v, 'villageCode'),
    address: str(v, 'address'),
    categoryCode: str(v, 'categoryCode'),
    receivedAt: received === undefined ? undefined : (fromLocalInput(received) ?? received),
    wechat: Object.keys(wechat).length ? wechat : undefined,
  });
}

function parseRegistration(v: FormValues) {
  const r = registrationSchema.safeParse(registrationInput(v));
  if (r.success) return r.data;
  // The API's message asks for ISO 8601 with an offset; the clerk typed into a date-time box.
  const details = issuesToDetails(r.error.issues).map((d) =>
    d.path === 'receivedAt' ? { ...d, message: '时间格式不正确，请按“年-月-日 时:分”填写' } : d,
  );
  throw validationError(details);
}

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;

  async function newPage(request: FastifyRequest, reply: FastifyReply, form: FormState, key: string, status = 200) {
    const groups = registrationGroups(catalogueOptions(await getCatalogue(deps)));
    return renderStaff(request, reply, 'staff/new', { title: '登记诉求', groups, form, idempotencyKey: key, scripts: ['/static/register.js'] }, status);
  }

  const registerGuard = app.guard({ can: 'register' });

  app.get('/tickets/new', { preValidation: registerGuard }, async (request, reply) =>
    newPage(request, reply, emptyForm({ channel: 'phone', receivedAt: localInputValue(deps.clock.now()) }), randomUUID()),
  );

  app.post('/tickets', { preValidation: registerGuard }, async (request, reply) => {
    const actor = staffActor(request);
    const values = formBody(request);
    const given = str(values, 'idempotencyKey');
    let key = given && KEY_RE.test(given) ? given : randomUUID();
    try {
      const input = parseRegistration(values);
      const registrant = { scope: `user:${actor.userId}`, label: actor.displayName, userId: actor.userId, apiKeyId: null, seesOtherTickets: listScope(actor) === null };
      const answer = await registerTicket(deps, registrant, key, input);
      const body = answer.body as { ticketNo: string; duplicateCandidates: { ticketNo: string }[] };
      const dup = body.duplicateCandidates.map((d) => d.ticketNo).join(',');
      return reply.redirect(`/staff/tickets/${body.ticketNo}/receipt?new=1${dup ? `&dup=${dup}` : ''}`, 303);
    } catch (err) {
      const groups = registrationGroups(catalogueOptions(await getCatalogue(deps)));
      const form = formError(err, values, groups.flatMap((g) => g.fields));
      if (err instanceof DomainError && err.code === 'IDEMPOTENCY_KEY_REUSED') {
        // The same form was already registered with other content (back button, edit, submit again).
        key = randomUUID();
        form.message = '这张表单已经登记过一次。如确需另行登记一条新诉求，请核对内容后再次提交。';
      }
      return newPage(request, reply, form, key, err instanceof DomainError ? statusOf(err) : 400);
    }
  });

  app.get('/tickets/:no/receipt', { preValidation: app.guard() }, async (request, reply) => {
    const { no } = request.params as { no: string };
    const q = request.query as Record<string, string | undefined>;
    const ticket = await getTicketForStaff(deps, staffActor(request), no);
    const url = lookupUrl(deps.config.PUBLIC_BASE_URL, ticket.ticketNo);
    const qrSvg = await QRCode.toString(url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    const format = RECEIPT_FORMATS.find((f) => f === q.format) ?? 'a5';
    const duplicates = (q.dup ?? '')
      .split(',')
      .map((s) => parseTicketNo(s))
      .flatMap((p) => (p.ok && p.ticketNo !== ticket.ticketNo ? [p.ticketNo] : []))
      .slice(0, 5);
    return renderStaff(request, reply, 'staff/receipt', {
      title: `回执 ${ticket.ticketNoFormatted}`,
      ticket,
      url,
      qrSvg,
      format,
      formats: RECEIPT_FORMATS,
      justRegistered: q.new === '1',
      duplicates,
      styles: [`/static/print-${format}.css`],
      scripts: ['/static/receipt.js'],
    });
  });
};

export default pages;
