// Queue names and their job payloads. Payloads carry ids (and template names) only — never a
// name, phone or address — and are validated by the processor before use.
import { z } from 'zod';
import { HOTLINE_EVENTS } from '../domain/hotline.js';

export const QUEUE_NAMES = ['routing', 'notifications', 'staff-notifications', 'followups', 'deadlines', 'wecom', 'notices', 'hotline', 'intake-media', 'intake-robot'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

const id = z.string().regex(/^\d{1,19}$/);

export const PAYLOADS = {
  routing: z.strictObject({ ticketId: id }),
  notifications: z.strictObject({ ticketId: id, template: z.string().regex(/^[a-z_]{1,40}$/), version: z.number().int().min(0).optional() }),
  'staff-notifications': z.strictObject({
    ticketId: id,
    template: z.string().regex(/^[a-z_]{1,40}$/),
    audience: z.enum(['department', 'supervisors']),
    departmentCode: z.string().nullable(),
    version: z.number().int().min(0),
  }),
  followups: z.strictObject({ ticketId: id, round: z.number().int().min(0) }),
  deadlines: z.strictObject({ ticketId: id }),
  wecom: z.strictObject({ month: z.string().regex(/^\d{4}-\d{2}$/), revision: z.number().int().min(1), webhook: z.number().int().min(0) }),
  notices: z.object({}),
  hotline: z.strictObject({
    ticketId: id,
    event: z.enum(HOTLINE_EVENTS),
    round: z.number().int().min(0),
  }),
  'intake-media': z.strictObject({ messageId: id }),
  'intake-robot': z.strictObject({ ticketId: id }),
} satisfies Record<QueueName, z.ZodType>;

export type Payload<Q extends QueueName> = z.infer<(typeof PAYLOADS)[Q]>;

export function isQueueName(topic: string): topic is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(topic);
}
