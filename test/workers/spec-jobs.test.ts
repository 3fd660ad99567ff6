// Two rules of SPEC §3 and §6 that only the real workers can show, on each queue backend (BullMQ on
// PostgreSQL, and on Redis when REDIS_URL is set), with the injected clock:
// - the routing worker leaves alone a ticket a clerk assigned directly (and still routes the rest);
// - a reply without follow-up closes 7 days later with `no_response`, through the delayed job the
//   reply queued (not the sweeper's backstop), while a reply the resident rated in time stays as rated.
import t from 'tap';
import { createStaff, json, login, registrationRequest, setupApp } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';
import { BACKENDS, setupWorkers, waitFor } from '../helpers/workers.js';

const WEEK_MS = 7 * 24 * 3600 * 1000;

for (const backend of BACKENDS) {
  t.test(`routing and the 7-day close through the real jobs (${backend})`, async (t) => {
    const clock = new TestClock('2026-11-25T02:00:00Z'); // Wed 10:00 in Beijing
    const ctx = await setupApp(t, { clock });
    const users = { clerk: await createStaff(ctx, ['clerk']), cj: await createStaff(ctx, ['handler'], 'cj'), sw: await createStaff(ctx, ['handler'], 'sw') };
    type Who = keyof typeof users;
    // Sessions time out while the clock jumps a week: sign in for every call.
    const headers = async (who: Who) => (await login(ctx, users[who])).headers;
    const act = async (who: Who, no: string, action: string, body: object = {}) => {
      const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${no}/actions/${action}`, headers: await headers(who), payload: body });
      if (res.statusCode !== 200) throw new Error(`${action}: ${res.statusCode} ${res.body}`);
      return json(res);
    };
    const register = async (body: object) => {
      const res = await ctx.app.inject(registrationRequest(await login(ctx, users.clerk), body));
      if (res.statusCode !== 201) throw new Error(res.body);
      return json(res).ticketNo as string;
    };
    const view = async (no: string) => json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}`, headers: await headers('clerk') }));
    const idOf = async (no: string) => (await ctx.db.pool.query('SELECT id::text FROM tickets WHERE ticket_no = $1', [no])).rows[0].id as string;
    const outboxRow = async (topic: string, no: string) =>
      (await ctx.db.pool.query(
        `SELECT job_id, available_at, done_at FROM outbox WHERE topic = $1 AND payload->>'ticketId' = $2 ORDER BY id DESC LIMIT 1`,
        [topic, await idOf(no)],
      )).rows[0] as { job_id: string; available_at: Date; done_at: Date | null } | undefined;

    // Before any worker runs: a clerk assigns two tickets the worker would route.
    const water = { channel: 'phone', kind: 'help', content: '自来水停了两天了', categoryCode: 'drinking_water', complainant: { phone: '13512345678' } };
    const overridden = await register(water); // the worker would send it to sw
    const clerkAssigned = await act('clerk', overridden, 'assign', { departmentCode: 'cj' });
    const accepted = await register({ ...water, content: '村口道路塌陷', categoryCode: 'road' }); // worker: cj, the same
    await act('clerk', accepted, 'assign', { departmentCode: 'cj' });
    await act('cj', accepted, 'accept');
    const untouched = await register({ ...water, content: '水管爆了，到处是水' });

    const workers = await setupWorkers(t, ctx, { backend, sweepEveryMs: 3_600_000 });
    // The routing job of each has run to its end (its outbox row is marked done only then).
    for (const no of [overridden, accepted, untouched]) {
      await waitFor(`routing job of ${no} done`, async () => (await outboxRow('routing', no))?.done_at, 20_000);
    }
    const routed = await view(untouched);
    t.equal(routed.departmentCode, 'sw', 'a ticket nobody assigned is routed to its category’s department');
    t.equal(routed.timeline.find((e: { type: string }) => e.type === 'assigned')?.actor, '系统自动分派');

    const a = await view(overridden);
    t.equal(a.status, 'assigned');
    t.equal(a.departmentCode, 'cj', 'the clerk’s department stands, not the category’s (sw)');
    t.equal(a.signOffDueAt, clerkAssigned.signOffDueAt, 'the sign-off clock was not restarted');
    t.same(a.timeline.filter((e: { type: string }) => e.type === 'assigned').map((e: { actor: string }) => e.actor), [`测试${users.clerk}`], 'one assignment, by the clerk');
    const b = await view(accepted);
    t.equal(b.status, 'in_progress', 'an accepted ticket is not pulled back to assigned');
    t.equal(b.timeline.filter((e: { type: string }) => e.type === 'assigned').length, 1);
    const routing = workers.kit.queue('routing');
    for (const no of [overridden, accepted]) {
      const { logs } = await routing.getJobLogs((await outboxRow('routing', no))!.job_id);
      t.same(logs, ['routing: skipped'], `the worker saw ${no} and let it be`);
    }

    // The 7-day close. Two replies at the same moment; the resident rates one of them in time.
    const repliedAt = new Date('2026-11-25T03:00:00Z');
    clock.set(repliedAt);
    const silent = untouched;
    await act('sw', silent, 'accept');
    await act('sw', silent, 'reply', { reply: '已修好水管', result: 'resolved' });
    const rated = await register({ ...water, categoryCode: undefined, content: '自来水浑浊发黄', complainant: { phone: '13512340000' } });
    await act('clerk', rated, 'assign', { departmentCode: 'sw' });
    await act('sw', rated, 'accept');
    await act('sw', rated, 'reply', { reply: '已冲洗管道', result: 'explained' });
    await workers.relay.drain();

    const followups = workers.kit.queue('followups');
    const jobs = [];
    for (const no of [silent, rated]) {
      const row = (await outboxRow('followups', no))!;
      t.equal(row.available_at.getTime(), repliedAt.getTime() + WEEK_MS, 'due 7 days after the reply');
      const job = await followups.getJob(row.job_id);
      t.ok(job, `the delayed job ${row.job_id} is in the queue`);
      t.equal(await job!.getState(), 'delayed');
      t.equal(job!.delay, WEEK_MS, 'delayed by 7 days');
      jobs.push(job!);
    }
    clock.set('2026-11-27T03:00:00Z');
    const feedback = await ctx.app.inject({ method: 'POST', url: `/api/v1/public/tickets/${rated}/feedback`, payload: { verify: '0000', resolved: true, satisfaction: 'basically_satisfied' } });
    t.equal(json(feedback).status, 'closed', 'the resident rated the second reply within the week');

    // A week passes: the delayed jobs come due (promote = what BullMQ does when their time comes).
    clock.set(new Date(repliedAt.getTime() + WEEK_MS));
    for (const job of jobs) await job.promote();
    for (const job of jobs) {
      await waitFor(`job ${job.id} completed`, async () => (await followups.getJobState(job.id!)) === 'completed', 20_000);
    }
    const closed = await view(silent);
    t.equal(closed.status, 'closed', 'the silent reply closed');
    t.equal(closed.satisfaction, 'no_response', 'as no_response, never as satisfied');
    t.equal(closed.outcome, 'resolved', 'on the reply’s result');
    t.equal(closed.closedAt, clock.now().toISOString(), 'when the week was over');
    const closing = closed.timeline.filter((e: { type: string }) => e.type === 'followed_up' || e.type === 'closed');
    t.same(closing.map((e: { type: string; actor: string }) => `${e.type}:${e.actor}`), ['followed_up:系统（7日未回访）', 'closed:系统（7日未回访）']);
    t.same((await followups.getJobLogs(jobs[0].id!)).logs, ['no-response close: closed'], 'closed by the delayed job, not by the sweeper');

    const kept = await view(rated);
    t.equal(kept.satisfaction, 'basically_satisfied', 'the resident’s rating stands');
    t.equal(kept.timeline.filter((e: { type: string }) => e.type === 'followed_up').length, 1, 'no second follow-up');
    t.same((await followups.getJobLogs(jobs[1].id!)).logs, ['no-response close: skipped']);
  });
}
