// zod schemas of the HTTP API (SPEC §4, §12): they validate, strip nothing silently (unknown fields
// are refused), and feed the OpenAPI document.
import { TICKET_STATUSES } from '../domain/ticket.js';
import { TICKET_SOURCES } from '../domain/ticket-rules.js';
import { z } from 'zod';
import { API_SCOPES } from '../domain/api-scopes.js';
import { ROLES } from '../domain/roles.js';
import { CHANNELS, KINDS, KIND_LABELS, type Kind } from '../domain/sla.js';

import { LANDLINE_RE, MOBILE_RE } from '../domain/phone.js';
export { LANDLINE_RE, MOBILE_RE };

// Control characters and lone surrogates never get this far: src/http/plugins/text-input.ts
// refuses (or, in page forms, removes) them at the edge for every field.
const trimmed = (min: number, max: number) => z.string().trim().min(min).max(max);

import { codeSchema } from '../domain/action-bodies.js';
export { codeSchema };

export const phoneSchema = z
  .string()
  .transform((s) => s.replace(/[\s()（）]/g, ''))
  .pipe(
    z.string().refine((s) => MOBILE_RE.test(s) || LANDLINE_RE.test(s), {
      message: '电话号码格式不正确：手机号为11位（1开头），座机如 0571-88886666',
    }),
  );

// Durations (SPEC §7): one schema, the domain's (action bodies use it too).
import { durationSchema } from '../domain/action-bodies.js';
export { durationSchema };

const KIND_LIMITS = z.strictObject({ signOff: durationSchema, resolve: durationSchema });
const LADDER = z.strictObject({ warningBefore: durationSchema, escalatedAfter: durationSchema, summonsAfter: durationSchema });

export const slaSchema = z.strictObject({
  kinds: z.strictObject({
    consult: KIND_LIMITS, help: KIND_LIMITS, suggest: KIND_LIMITS,
    complaint: KIND_LIMITS, report: KIND_LIMITS, emergency: KIND_LIMITS,
  }),
  followUp: durationSchema,
  ladders: z.strictObject({ signOff: LADDER, resolve: LADDER }),
  /** SPEC §18: a co-handling answer is due this long before the lead's dueAt (default 3 working days). */
  coHandleBefore: durationSchema.optional(),
});

const dateKey = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');
export const calendarBodySchema = z.strictObject({
  holidays: z.array(dateKey).max(366),
  workdays: z.array(dateKey).max(366),
});
export const yearParams = z.strictObject({ year: z.coerce.number().int().min(2000).max(2100) });

export const registrationSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  kind: z.enum(KINDS),
  content: trimmed(5, 2000),
  complainant: z
    .strictObject({
      name: trimmed(1, 30).optional(),
      phone: phoneSchema.optional(),
      anonymous: z.boolean().optional(),
    })
    .optional(),
  confidential: z.boolean().optional(),
  villageCode: codeSchema.optional(),
  address: trimmed(1, 200).optional(),
  categoryCode: codeSchema.optional(),
  receivedAt: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
  wechat: z
    .strictObject({
      group: trimmed(1, 60).optional(),
      sender: trimmed(1, 60).optional(),
      messageId: trimmed(1, 100).optional(),
    })
    .optional(),
  location: z
    .strictObject({
      lat: z.number().min(-90, '纬度应在 -90 到 90 之间').max(90, '纬度应在 -90 到 90 之间'),
      long: z.number().min(-180, '经度应在 -180 到 180 之间').max(180, '经度应在 -180 到 180 之间'),
    })
    .optional(),
});

/** The platform's kind: our code, or its Chinese name (咨询 求助 建议 投诉 举报 紧急). */
const KIND_BY_LABEL = new Map(Object.entries(KIND_LABELS).map(([code, label]) => [label, code as Kind]));
const platformKind = z.preprocess(
  (v) => (typeof v === 'string' ? (KIND_BY_LABEL.get(v.trim()) ?? v.trim()) : v),
  z.enum(KINDS, '诉求类型应为 consult help suggest complaint report emergency 之一，或 咨询 求助 建议 投诉 举报 紧急'),
);
const instant = (what: string) =>
  z.iso.datetime({ offset: true, error: `${what}应为带时区的时间，如 2026-11-25T09:30:00+08:00` }).transform((s) => new Date(s));

/** POST /api/v1/intake/hotline (SPEC §15): a work order the 12345 platform dispatches down. */
export const hotlinePushSchema = z.strictObject({
  externalNo: z.string().trim().min(1, '缺少工单编号 externalNo').max(64, '工单编号最多64个字符').regex(/^[\x21-\x7e\u4e00-\u9fff]+$/u, '工单编号只能包含字母、数字、符号或汉字，不含空格'),
  receivedAt: instant('受理时间 receivedAt '),
  dueAt: instant('要求办结时间 dueAt ').optional(),
  kind: platformKind,
  content: trimmed(5, 2000),
  complainant: registrationSchema.shape.complainant,
  villageCode: codeSchema.optional(),
  area: trimmed(1, 100).optional(),
  categoryCode: codeSchema.optional(),
  category: trimmed(1, 100).optional(),
  channel: z.enum(CHANNELS).optional(),
});

export const ticketNoParams = z.strictObject({ ticketNo: z.string().min(1).max(64) });

/**
 * What a resident's lookup answers (SPEC §5). The serializer writes only these fields, whatever the
 * service returns: a second guard that no name, phone, address or internal note reaches the public.
 */
export const publicTicketResponse = z.object({
  ticketNo: z.string(),
  status: z.string(),
  statusLabel: z.string().nullable(),
  outcome: z.string().nullable(),
  outcomeLabel: z.string().nullable(),
  kind: z.string(),
  kindLabel: z.string(),
  category: z.string().nullable(),
  department: z.string().nullable(),
  receivedAt: z.string(),
  dueAt: z.string(),
  reply: z.string().nullable(),
  repliedAt: z.string().nullable(),
  mergedInto: z.string().nullable(),
  mergedFrom: z.string().nullable(),
  awaitingFeedback: z.boolean(),
  timeline: z.array(z.object({ type: z.string(), label: z.string().nullable(), at: z.string(), note: z.string().nullable() })),
  /** SPEC §17: signed links to the public copies of the ticket's public images. */
  photos: z.array(z.object({ url: z.string() })),
});

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');

export const listQuerySchema = z.strictObject({
  status: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(TICKET_STATUSES)))
    .optional(),
  departmentCode: codeSchema.optional(),
  categoryCode: codeSchema.optional(),
  villageCode: codeSchema.optional(),
  kind: z.enum(KINDS).optional(),
  channel: z.enum(CHANNELS).optional(),
  source: z.enum(TICKET_SOURCES).optional(),
  overdue: boolString.optional(),
  escalation: z.enum(['warning', 'overdue', 'escalated', 'summons']).optional(),
  q: trimmed(1, 100).optional(),
  from: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
  to: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** SPEC §15: the whole filtered list as a ledger file instead of a page of JSON. */
  format: z.enum(['json', 'csv', 'xlsx']).optional(),
  /** With format=csv|xlsx: full phone numbers (audited). */
  unmask: z.enum(['true', 'false']).optional(),
});

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_.-]{2,40}$/, '用户名只能包含字母、数字、_ . -（2–40个字符）');
export const passwordSchema = z.string().min(10, '密码至少10个字符').max(200);
const rolesSchema = z.array(z.enum(ROLES)).min(1).max(ROLES.length);

export const createUserSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  displayName: trimmed(1, 40),
  roles: rolesSchema,
  departmentCode: codeSchema.nullable().optional(),
  active: z.boolean().optional(),
});

export const updateUserSchema = z.strictObject({
  password: passwordSchema.optional(),
  displayName: trimmed(1, 40).optional(),
  roles: rolesSchema.optional(),
  departmentCode: codeSchema.nullable().optional(),
  active: z.boolean().optional(),
});

export const departmentSchema = z.strictObject({
  code: codeSchema,
  name: trimmed(1, 60),
  kind: z.enum(['office', 'village']),
  active: z.boolean().optional(),
});
export const departmentPatchSchema = departmentSchema.omit({ code: true }).partial();

export const categorySchema = z.strictObject({
  code: codeSchema,
  name: trimmed(1, 60),
  departmentCode: codeSchema,
  keywords: z.array(trimmed(1, 20)).max(100).optional(),
  resolveWithin: durationSchema.nullable().optional(),
  signOffWithin: durationSchema.nullable().optional(),
  active: z.boolean().optional(),
});
export const categoryPatchSchema = categorySchema.omit({ code: true }).partial();

export const codeParams = z.strictObject({ code: codeSchema });
export const usernameParams = z.strictObject({ username: z.string().min(1).max(60) });

export const loginSchema = z.strictObject({
  username: z.string().min(1).max(60),
  password: z.string().min(1).max(200),
});

/** Integration keys (SPEC §10): a name and the scopes of API_SCOPES. */
export const apiScopesSchema = z
  .array(z.enum(API_SCOPES, { error: `权限范围只能是 ${API_SCOPES.join('、')}` }))
  .min(1, '请至少选择一个权限范围')
  .max(API_SCOPES.length)
  .transform((v) => [...new Set(v)]);
export const apiKeySchema = z.strictObject({ name: z.string().trim().min(1, '请填写名称').max(60), scopes: apiScopesSchema });
export const apiKeyPatchSchema = z.strictObject({
  name: z.string().trim().min(1).max(60).optional(),
  scopes: apiScopesSchema.optional(),
  active: z.boolean().optional(),
});
export const apiKeyParams = z.strictObject({ prefix: z.string().regex(/^[A-Za-z0-9]{8}$/, '密钥前缀为8位字母或数字') });

export const passwordChangeSchema = z.strictObject({
  currentPassword: z.string().min(1).max(200),
  newPassword: passwordSchema,
});

// ─── WeChat triage (SPEC §17) ─────────────────────────────────────────────────────────────────
const intakeMessageId = z.string().regex(/^\d{1,18}$/, '消息编号应为数字');
export const INTAKE_STATUSES = ['pending', 'registered', 'dismissed'] as const;

export const intakeListQuery = z.strictObject({
  status: z.enum(INTAKE_STATUSES).default('pending'),
  since: z.iso.datetime({ offset: true, error: '应为带时区的时间，如 2026-11-25T09:30:00+08:00' }).transform((s) => new Date(s)).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** POST /intake/messages/register: the registration body (channel is wechat_group), content defaulting to the messages' text. */
export const intakeRegisterSchema = registrationSchema.omit({ channel: true, content: true }).extend({
  messageIds: z.array(intakeMessageId).min(1, '请至少选择一条消息').max(20, '一次最多合并登记20条消息'),
  content: registrationSchema.shape.content.optional(),
});

export const intakeMessageParams = z.strictObject({ id: intakeMessageId });
export const dismissSchema = z.strictObject({ reason: z.string().trim().min(2, '请填写忽略理由（至少2个字）').max(200, '忽略理由最多200个字') });
