// Bodies of the lifecycle actions (SPEC §3 "Action bodies"), one strict schema per action.
import { z } from 'zod';
import { codeSchema } from './schemas.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const note = text(2000).nullable().optional();

export const ACTION_BODIES = {
  assign: z.strictObject({ departmentCode: codeSchema, categoryCode: codeSchema.nullable().optional() }),
  accept: z.strictObject({ note }),
  return: z.strictObject({
    reasonCode: z.enum(['wrong_locality', 'wrong_function', 'unclear_ownership', 'other']),
    reason: text(2000),
  }),
  decide_return: z.strictObject({ accept: z.boolean(), departmentCode: codeSchema.nullable().optional(), note }),
  request_extension: z.strictObject({ workingDays: z.number().int().min(1).max(30), reason: text(2000) }),
  decide_extension: z.strictObject({ approve: z.boolean(), note }),
  reply: z.strictObject({
    reply: text(2000),
    result: z.enum(['resolved', 'explained', 'unresolvable']),
    publicSummary: text(200).nullable().optional(),
  }),
  record_followup: z.strictObject({
    resolved: z.boolean(),
    satisfaction: z.enum(['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied', 'unreachable']),
    note,
  }),
  reject: z.strictObject({ reason: text(2000) }),
  merge: z.strictObject({ intoTicketNo: z.string().min(1).max(64) }),
  reopen: z.strictObject({ reason: text(2000), departmentCode: codeSchema.nullable().optional() }),
  comment: z.strictObject({ note: text(2000), public: z.boolean() }),
  instruct: z.strictObject({ note: text(2000) }),
} as const;

export type ActionName = keyof typeof ACTION_BODIES;
export const ACTION_NAMES = Object.keys(ACTION_BODIES) as [ActionName, ...ActionName[]];
