// The resident's pages (SPEC §5, §13): the home page with the lookup form, and /track — opened from
// the receipt's QR code with the number filled in, it asks for the last 4 digits of the phone (or
// the access code; the 12345 platform's number works too, SPEC §15), shows the state, deadline, reply and public timeline, and takes the rating
// while a reply awaits follow-up. The verification travels only in POST bodies, never in URLs.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { REACHED_SATISFACTIONS } from '../../domain/ticket-rules.js';
import { publicLookup, publicLookupEither } from '../../services/public-lookup.service.js';
import { submitFeedback, type FeedbackInput } from '../../services/feedback.service.js';
import { latestPublishedTotals } from '../../services/notices.service.js';
import { bool, compact, emptyForm, formBody, str, withErrors, type FormState, type FormValues } from './forms.js';
import { dateTime, LABELS, monthZh, ticketNo as groupTicketNo } from './format.js';
import { renderPublic } from './render.js';
import { noticeFigures } from './tables.js';

const VERIFY_RE = /^(\d{4}|\d{6})$/;

/** What a resident reads for each refusal of the lookup: friendly, and never "which part was wrong". */
const LOOKUP_MESSAGES: Record<string, string> = {
  TICKET_NOT_FOUND: '没有查到这张工单。请核对工单号（或12345工单编号），以及登记电话的后4位（或回执上的6位查询码）。',
  LOOKUP_LOCKED: '这张工单的验证错误次数过多，为保护群众信息，查询已暂停1小时。请稍后再试，或带回执到便民服务中心询问。',
  RATE_LIMITED: '查询太频繁了，请稍等一分钟再试。',
};

const LOOKUP_FIELDS = [
  { name: 'no', label: '工单号', type: 'text' as const },
  { name: 'verify', label: '验证信息', type: 'text' as const },
];
const RATING_FIELDS = [
  { name: 'resolved', label: '问题是否解决', type: 'radio' as const },
  { name: 'satisfaction', label: '满意程度', type: 'radio' as const },
  { name: 'comment', label: '意见建议', type: 'textarea' as const },
];

type PublicTicket = Awaited<ReturnType<typeof publicLookup>>;

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;
  const rateLimit = { max: deps.config.PUBLIC_LOOKUP_RATE_LIMIT, timeWindow: 60_000 };
  const h = { dateTime, label: (t: keyof typeof LABELS, c: string | null) => (c ? (LABELS[t][c] ?? c) : '—') };
  const satisfactions = REACHED_SATISFACTIONS.map((value) => ({ value, label: LABELS.satisfaction[value] }));

  function trackPage(reply: FastifyReply, lookup: FormState, ticket: PublicTicket | null, rating: FormState | null, status = 200, thanks = false) {
    return renderPublic(reply, 'public/track', {
      title: ticket ? `工单 ${ticket.ticketNo}` : '查询办理进度', lookup, ticket, rating: rating ?? emptyForm(), satisfactions, thanks, h,
    }, status);
  }

  /** A refused lookup or rating: the field at fault when there is one, else the friendly message. */
  function refused(err: unknown, values: FormValues): { form: FormState; status: number } {
    if (!(err instanceof DomainError)) throw err;
    if (err.code === 'TICKET_NO_INVALID') {
      return { form: withErrors(values, [{ path: 'no', message: err.details?.[0]?.message ?? err.message }], LOOKUP_FIELDS), status: 400 };
    }
    const message = LOOKUP_MESSAGES[err.code] ?? err.message;
    return { form: { ...emptyForm(values), message }, status: err.code === 'TICKET_NOT_FOUND' ? 404 : err.code === 'ILLEGAL_TRANSITION' ? 409 : 429 };
  }

  function checkLookup(values: FormValues): FormState | null {
    const details = [];
    if (!str(values, 'no')) details.push({ path: 'no', message: '请输入回执上的工单号，或12345工单编号' });
    else if (str(values, 'no')!.length > 64) details.push({ path: 'no', message: '工单号最多64个字符' });
    if (!VERIFY_RE.test(str(values, 'verify') ?? '')) details.push({ path: 'verify', message: '请输入登记电话的后4位，或回执上的6位查询码' });
    return details.length ? withErrors(values, details, LOOKUP_FIELDS) : null;
  }

  app.get('/', async (request, reply) => {
    // The latest published notice's headline: its totals only, not the whole case list.
    const latest = await latestPublishedTotals(deps);
    const notice = latest && { month: latest.month, label: monthZh(latest.month), figures: noticeFigures(latest.totals, true) };
    return renderPublic(reply, 'public/home', { title: '群众诉求查询', lookup: emptyForm(), notice });
  });

  app.get('/track', async (request, reply) => {
    const no = (request.query as Record<string, unknown>).no;
    const values: FormValues = typeof no === 'string' && no.length <= 64 ? { no: /^\d{15}$/.test(no) ? groupTicketNo(no) : no } : {};
    return trackPage(reply, emptyForm(values), null, null);
  });

  app.post('/track', { config: { rateLimit } }, async (request, reply) => {
    const values = formBody(request);
    const invalid = checkLookup(values);
    if (invalid) return trackPage(reply, invalid, null, null, 400);
    try {
      // Either number (SPEC §15); the rating form then carries the resident's own ticket number.
      const found = await publicLookupEither(deps, str(values, 'no')!, str(values, 'verify')!);
      return trackPage(reply, emptyForm({ ...values, no: found.ownTicketNo }), found.view, null);
    } catch (err) {
      const r = refused(err, values);
      return trackPage(reply, r.form, null, null, r.status);
    }
  });

  app.post('/track/feedback', { config: { rateLimit } }, async (request, reply) => {
    const values = formBody(request);
    const lookup = emptyForm({ no: values.no ?? '', verify: values.verify ?? '' });
    if (checkLookup(values)) return trackPage(reply, { ...lookup, message: '查询信息已失效，请重新查询' }, null, null, 400);
    const no = str(values, 'no')!;
    const verify = str(values, 'verify')!;
    const details = [];
    const resolved = bool(values, 'resolved');
    const satisfaction = str(values, 'satisfaction');
    const comment = str(values, 'comment');
    if (resolved === undefined) details.push({ path: 'resolved', message: '请选择问题是否已经解决' });
    if (!satisfactions.some((s) => s.value === satisfaction)) details.push({ path: 'satisfaction', message: '请选择满意程度' });
    if (comment && comment.length > 500) details.push({ path: 'comment', message: '意见建议不能超过500字' });
    try {
      if (details.length) {
        // Show the ticket again with the rating form, what was typed and the message next to each field.
        return trackPage(reply, lookup, await publicLookup(deps, no, verify), withErrors(values, details, RATING_FIELDS), 400);
      }
      const input = compact({ verify, resolved, satisfaction, comment }) as FeedbackInput;
      return trackPage(reply, lookup, await submitFeedback(deps, no, input), null, 200, true);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'ILLEGAL_TRANSITION') {
        return trackPage(reply, lookup, await publicLookup(deps, no, verify), { ...emptyForm(values), message: '这张工单目前不在待评价状态，无需再评价。' }, 409);
      }
      const r = refused(err, values);
      return trackPage(reply, r.form, null, null, r.status);
    }
  });
};

export default pages;
