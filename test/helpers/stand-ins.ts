// Stand-ins for the lifecycle actions (POST /api/v1/tickets/:ticketNo/actions/…): read-side tests
// (lookup, list, access matrix) put a ticket into a department or a state with plain SQL, so they
// do not depend on the actions, which lifecycle.test.ts covers. Written before the actions API
// landed; a call may be swapped for the real action where that reads better.
import { insertEvents } from '../../src/db/ticket-events.repository.js';
import type { TestContext } from './app.js';

/** Stands in for the `assign` action: department, status `assigned`, and the public `assigned` event. */
export async function assignDirectly(ctx: TestContext, ticketNo: string, departmentCode: string): Promise<void> {
  const now = ctx.clock.now();
  const { rows } = await ctx.db.pool.query<{ id: string }>(
    `UPDATE tickets SET status = 'assigned', department_code = $2, assigned_at = $3, updated_at = $3
      WHERE ticket_no = $1 RETURNING id::text`,
    [ticketNo, departmentCode, now],
  );
  if (!rows[0]) throw new Error(`no ticket ${ticketNo}`);
  await insertEvents(ctx.db.pool, rows[0].id, [
    { type: 'assigned', at: now, actorId: null, actorLabel: '测试转办', note: null, public: true, data: { departmentCode } },
  ]);
}

/** Stands in for the later actions (accept, reply, close…): sets status and outcome only, no events. */
export async function setStatusDirectly(ctx: TestContext, ticketNo: string, status: string, outcome: string | null = null): Promise<void> {
  const { rowCount } = await ctx.db.pool.query(
    `UPDATE tickets SET status = $2, outcome = $3, updated_at = $4 WHERE ticket_no = $1`,
    [ticketNo, status, outcome, ctx.clock.now()],
  );
  if (rowCount !== 1) throw new Error(`no ticket ${ticketNo}`);
}

/** Stands in for the `reply` action on an assigned ticket: status `replied` with the answer and the public `replied` event. */
export async function replyDirectly(ctx: TestContext, ticketNo: string, reply: string, result = 'resolved'): Promise<void> {
  const now = ctx.clock.now();
  const { rows } = await ctx.db.pool.query<{ id: string }>(
    `UPDATE tickets SET status = 'replied', reply = $2, result = $3, replied_at = $4, accepted_at = COALESCE(accepted_at, $4), updated_at = $4
      WHERE ticket_no = $1 AND department_code IS NOT NULL RETURNING id::text`,
    [ticketNo, reply, result, now],
  );
  if (!rows[0]) throw new Error(`no assigned ticket ${ticketNo}`);
  await insertEvents(ctx.db.pool, rows[0].id, [
    { type: 'replied', at: now, actorId: null, actorLabel: '测试答复', note: reply, public: true, data: { result } },
  ]);
}
