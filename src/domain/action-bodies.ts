// Bodies of the lifecycle actions (SPEC §3 "Action bodies"), one strict schema per action: the one
// contract the API, the pages and the domain's ActionInput type (ticket-input.ts) all derive from.
// decide() checks every input against the same schemas (ticket-input.ts), then the rules that
// need the ticket or the actor: cross-field rules and who may use which satisfaction value.
import { z } from 'zod';
import { REPLY_RESULTS, RETURN_REASON_CODES, SATISFACTIONS, SCREENING_CATEGORIES } from './ticket-rules.js';
import { DomainError } from './errors.js';
import { issuesToDetails } from './zod-zh.js';

/** A catalogue code (department, village, category). */
export const codeSchema = z
  .string()
  .regex(/^[a-z0-9_-]{1,40}$/, '代码只能包含小写字母、数字、- 和 _（最多40个字符）');

const text = (max: number) => z.string().trim().min(1).max(max);
/** An optional note: blank is the same as none (stored as null). */
const note = z.string().trim().max(2000).nullable().optional();
// Elapsed units may be fractional (0.5 hours; 0.1 minutes when demonstrating the ladder on a
// seconds scale); working days are whole days. Also the SLA document's Durations (http/schemas.ts).
export const durationSchema = z
  .strictObject({
    amount: z.number().min(0).max(10000),
    unit: z.enum(['minutes', 'hours', 'days', 'working_days']),
  })
  .refine((d) => d.unit !== 'working_days' || Number.isInteger(d.amount), {
    message: '工作日数必须是整数',
    path: ['amount'],
  });

/** An instant with its offset, e.g. 2026-12-01T09:00:00+08:00 (normalised to ISO UTC). */
const instant = z.iso.datetime({ offset: true, message: '应为带时区的时间，如 2026-12-01T09:00:00+08:00' }).transform((v) => new Date(v).toISOString());
/** What staff may record: every level but the sweeper's own `no_response`. */
const STAFF_SATISFACTIONS = SATISFACTIONS.filter((s): s is Exclude<typeof s, 'no_response'> => s !== 'no_response');

export const ACTION_BODIES = {
  assign: z.strictObject({
    departmentCode: codeSchema,
    /** SPEC §18: co-handling (协办) departments besides the lead (主办). */
    coDepartmentCodes: z.array(codeSchema).max(10).nullable().optional(),
    categoryCode: codeSchema.nullable().optional(),
  }),
  accept: z.strictObject({ note }),
  return: z.strictObject({ reasonCode: z.enum(RETURN_REASON_CODES), reason: text(2000) }),
  decide_return: z.strictObject({ accept: z.boolean(), departmentCode: codeSchema.nullable().optional(), note }),
  request_extension: z.strictObject({ workingDays: z.number().int().min(1).max(30), reason: text(2000) }),
  decide_extension: z.strictObject({ approve: z.boolean(), note }),
  reply: z.strictObject({ reply: text(2000), result: z.enum(REPLY_RESULTS), publicSummary: text(200).nullable().optional() }),
  record_followup: z.strictObject({ resolved: z.boolean(), satisfaction: z.enum(STAFF_SATISFACTIONS), note }),
  reject: z.strictObject({ reason: text(2000) }),
  merge: z.strictObject({ intoTicketNo: z.string().min(1).max(64) }),
  reopen: z.strictObject({ reason: text(2000), departmentCode: codeSchema.nullable().optional() }),
  comment: z.strictObject({ note: text(2000), public: z.boolean() }),
  instruct: z.strictObject({ note: text(2000), resolveWithin: durationSchema.nullable().optional() }),
  request_pause: z.strictObject({ reason: text(2000), until: instant.nullable().optional() }),
  decide_pause: z.strictObject({ approve: z.boolean(), note }),
  resume: z.strictObject({ note }),
  request_screening: z.strictObject({ category: z.enum(SCREENING_CATEGORIES), reason: text(2000) }),
  decide_screening: z.strictObject({ approve: z.boolean(), note }),
  report_up: z.strictObject({ reason: text(2000) }),
  submit_cohandling: z.strictObject({ note: text(2000) }),
  waive_cohandling: z.strictObject({ departmentCode: codeSchema, reason: text(2000) }),
} as const;

export type ActionName = keyof typeof ACTION_BODIES;
export const ACTION_NAMES = Object.keys(ACTION_BODIES) as [ActionName, ...ActionName[]];

/** An action's body as its schema outputs it. */
export type ActionBody<A extends ActionName> = z.output<(typeof ACTION_BODIES)[A]>;

/** A body checked against its action's schema, or VALIDATION_FAILED naming every bad field. */
export function parseActionBody<A extends ActionName>(action: A, raw: unknown): { action: A } & ActionBody<A> {
  const parsed = ACTION_BODIES[action].safeParse(raw ?? {});
  if (!parsed.success) throw new DomainError('VALIDATION_FAILED', undefined, issuesToDetails(parsed.error.issues));
  return { action, ...(parsed.data as ActionBody<A>) };
}
