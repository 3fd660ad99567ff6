// The routing worker assigns a registered ticket with a category to its department, through the
// outbox relay and a real queue (BullMQ on PostgreSQL and on Redis).
import t from 'tap';
import { json, registrationRequest, setupApp, staffSession } from '../helpers/app.js';
import { BACKENDS, setupWorkers, waitFor, waitForJobsDone } from '../helpers/workers.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';

for (const backend of BACKENDS) {
  t.test(`routing on ${backend}`, async (t) => {
    const ctx = await setupApp(t);
    const clerk = await staffSession(ctx, ['clerk']);
    const workers = await setupWorkers(t, ctx, { backend });
    t.equal(workers.kit.backend, backend);

    const res = await ctx.app.inject(
      registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '自来水停了两天了', categoryCode: 'drinking_water', complainant: { phone: '13512345678' } }),
    );
    t.equal(res.statusCode, 201);
    const no = json(res).ticketNo;
    const ticket = await waitFor('assignment', async () => {
      const r = await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}`, headers: clerk.headers });
      return json(r).status === 'assigned' ? json(r) : null;
    }, 20_000); // generous on a shared machine: only a routing that never happens fails here
    t.equal(ticket.departmentCode, 'sw');
    t.ok(ticket.signOffDueAt);
    t.equal(ticket.timeline.find((e: { type: string }) => e.type === 'assigned').actor, '系统自动分派');

    // A ticket without a category waits for a clerk.
    const plain = json(await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '想咨询一下政策', complainant: { phone: '13512345679' } })));
    // Every job its registration queued (and any routing job, were one queued) has completed.
    await waitForJobsDone(ctx);
    const still = json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${plain.ticketNo}`, headers: clerk.headers }));
    t.equal(still.status, 'registered');

    // The registration SMS was recorded once by the log provider.
    const sms = await waitFor('registration SMS', async () => {
      const { rows } = await ctx.db.pool.query(`SELECT n.template, n.status, n.body FROM notifications n JOIN tickets t ON t.id = n.ticket_id WHERE t.ticket_no = $1`, [no]);
      return rows.length ? rows : null;
    });
    t.equal(sms.length, 1);
    t.equal(sms[0].status, 'sent');
    t.match(sms[0].body, `工单号${formatTicketNo(no)}`);
  });
}
