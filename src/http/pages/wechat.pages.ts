// The WeChat triage page beside the registration form (SPEC §17): messages of the last days,
// newest first, with their photos; one or several selected open the registration form prefilled
// with their text, group and sender (the clerk confirms kind, category and village); a message
// may be dismissed with a reason. Pages call the triage service, never the HTTP API.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DomainError, validationError } from '../../domain/errors.js';
import { INTAKE_SOURCE_LABELS, NO_GROUP_NAMES, messageText, type IntakeSource } from '../../domain/wechat-message.js';
import { issuesToDetails } from '../../domain/zod-zh.js';
import { getCatalogue } from '../../services/catalogue.service.js';
import {
  dismissIntakeMessage, intakeMessagesById, listIntakeMessages, registerFromMessages, suggestedRegistration, type IntakeMessageView,
} from '../../services/intake-triage.service.js';
import { staffActor } from '../plugins/auth.js';
import { dismissSchema, INTAKE_STATUSES, intakeRegisterSchema } from '../schemas.js';
import { catalogueOptions, registrationGroups } from './form-specs.js';
import { emptyForm, formBody, formError, list, parseWith, str, type FormState } from './forms.js';
import { localInputValue } from './format.js';
import { registrationInput } from './intake.pages.js';
import { renderStaff, statusOf } from './render.js';

/** How far back the pending list reaches by default. */
const DAYS = 7;
const STATUS_LABELS = { pending: '待分拣', registered: '已登记', dismissed: '已忽略' } as const;
type Status = (typeof INTAKE_STATUSES)[number];

function shown(m: IntakeMessageView) {
  const source = m.source as IntakeSource;
  const audio = m.attachments.filter((a) => a.kind === 'audio').length;
  const mediaNote =
    m.mediaStatus === 'pending' ? '照片或录音正在从微信下载…'
      : m.mediaStatus === 'failed' ? '照片或录音未能从微信下载'
        : audio ? `录音 ${audio} 段（登记后在工单中查看）` : null;
  return {
    ...m,
    sourceLabel: INTAKE_SOURCE_LABELS[source] ?? m.source,
    groupShown: m.group ?? NO_GROUP_NAMES[source] ?? '',
    textShown: messageText({ msgType: m.msgType, body: m.text }),
    photos: m.attachments.filter((a) => a.kind === 'image' && a.thumbUrl),
    mediaNote,
  };
}

const ID_RE = /^\d{1,18}$/;

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;
  const guard = app.guard({ can: 'triageIntake' });

  app.get('/intake/messages', { preValidation: guard }, async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const status: Status = (INTAKE_STATUSES as readonly string[]).includes(q.status ?? '') ? (q.status as Status) : 'pending';
    const since = status === 'pending' ? new Date(deps.clock.now().getTime() - DAYS * 86_400_000) : undefined;
    const cursor = q.cursor && q.cursor.length <= 200 ? q.cursor : undefined;
    const page = await listIntakeMessages(deps, { status, since, cursor, limit: 50 }).catch((err: unknown) => {
      if (err instanceof DomainError && err.code === 'VALIDATION_FAILED') return listIntakeMessages(deps, { status, since, limit: 50 });
      throw err;
    });
    return renderStaff(request, reply, 'staff/wechat-messages', {
      title: '微信消息',
      status,
      statusLabel: STATUS_LABELS[status],
      tabs: INTAKE_STATUSES.map((s) => ({ status: s, label: STATUS_LABELS[s] })),
      days: DAYS,
      items: page.items.map(shown),
      nextCursor: page.nextCursor,
      done: q.done === 'dismissed' ? '已忽略该消息。' : undefined,
    });
  });

  async function formPage(request: FastifyRequest, reply: FastifyReply, ids: string[], form: FormState, status = 200) {
    const messages = (await intakeMessagesById(deps, ids)).map(shown);
    const groups = registrationGroups(catalogueOptions(await getCatalogue(deps)));
    return renderStaff(request, reply, 'staff/new', {
      title: '由微信消息登记', heading: '由微信消息登记诉求', groups, form, idempotencyKey: randomUUID(), scripts: ['/static/register.js'],
      action: '/staff/intake/messages/register', hidden: ids.map((id) => ({ name: 'messageIds', value: id })), messages,
    }, status);
  }

  app.get('/intake/messages/register', { preValidation: guard }, async (request, reply) => {
    const ids = [...new Set(list((request.query ?? {}) as Record<string, string | string[]>, 'ids'))].filter((id) => ID_RE.test(id)).slice(0, 20);
    if (ids.length === 0) throw validationError([{ path: 'ids', message: '请先勾选要登记的消息' }], '请先勾选要登记的消息');
    const suggested = await suggestedRegistration(deps, ids);
    if (!suggested) throw new DomainError('NOT_FOUND', '所选消息不存在');
    const earliest = (await intakeMessagesById(deps, ids)).map((m) => m.receivedAt).sort()[0];
    const form = emptyForm({
      channel: 'wechat_group',
      content: suggested.content,
      'wechat.group': suggested.wechat.group,
      ...(suggested.wechat.sender ? { 'wechat.sender': suggested.wechat.sender } : {}),
      ...(suggested.wechat.messageId ? { 'wechat.messageId': suggested.wechat.messageId } : {}),
      receivedAt: localInputValue(new Date(earliest)),
    });
    return formPage(request, reply, ids, form);
  });

  app.post('/intake/messages/register', { preValidation: guard }, async (request, reply) => {
    const values = formBody(request);
    const ids = list(values, 'messageIds').filter((id) => ID_RE.test(id)).slice(0, 20);
    try {
      const { channel: _channel, ...input } = registrationInput(values);
      const parsed = intakeRegisterSchema.safeParse({ ...input, messageIds: ids });
      if (!parsed.success) throw validationError(issuesToDetails(parsed.error.issues));
      const answer = await registerFromMessages(deps, staffActor(request), parsed.data);
      const body = answer.body as { ticketNo: string };
      return reply.redirect(`/staff/tickets/${body.ticketNo}/receipt?new=1`, 303);
    } catch (err) {
      const fields = registrationGroups(catalogueOptions(await getCatalogue(deps))).flatMap((g) => g.fields);
      const form = formError(err, values, fields);
      return formPage(request, reply, ids, form, err instanceof DomainError ? statusOf(err) : 400);
    }
  });

  app.post('/intake/messages/:id/dismiss', { preValidation: guard }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!ID_RE.test(id)) throw new DomainError('NOT_FOUND', '没有这条消息');
    const { reason } = parseWith(dismissSchema, { reason: str(formBody(request), 'reason') ?? '' });
    await dismissIntakeMessage(deps, staffActor(request), id, reason);
    return reply.redirect('/staff/intake/messages?done=dismissed', 303);
  });
};

export default pages;
