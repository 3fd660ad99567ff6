// The ladder on a running system with a seconds-scale policy (SPEC §7 "minute scale"). On the real
// clock, with the sweeper ten minutes away, the delayed jobs alone fire each step, in order, once,
// never early. Then the queue storage is emptied while 200 deadlines are pending, the injected
// clock passes every step, and the sweeper alone applies every step exactly once, in order. How
// late each path fires is a measurement, not a test: bench/ (deadline firing lateness, and the
// sweeper's catch-up after the queue is emptied).
import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { json, registrationRequest, setupApp, staffSession, type TestContext } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';
import { BACKENDS, setupWorkers, waitFor } from '../helpers/workers.js';
import type { Clock } from '../../src/clock.js';

const realClock: Clock = { now: () => new Date() };
const min = (seconds: number) => ({ amount: seconds / 60, unit: 'minutes' as const });
/** Far beyond the length of a test: the timer-driven sweep never runs here. */
const NEVER_MS = 600_000;

/** A policy whose `help` tickets run the whole resolve ladder within seconds or minutes. */
async function useSecondsPolicy(t: Test, ctx: TestContext, s: { limit: number; warn: number; esc: number; sum: number; coBefore?: number }): Promise<void> {
  const admin = await staffSession(ctx, ['admin']);
  const base = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/sla', headers: admin.headers }));
  const policy = {
    ...base,
    kinds: { ...base.kinds, help: { signOff: min(60), resolve: min(s.limit) } },
    ladders: {
      signOff: { warningBefore: min(1), escalatedAfter: min(60), summonsAfter: min(120) },
      resolve: { warningBefore: min(s.warn), escalatedAfter: min(s.esc), summonsAfter: min(s.sum) },
    },
    ...(s.coBefore !== undefined ? { coHandleBefore: min(s.coBefore) } : {}),
  };
  const put = await ctx.app.inject({ method: 'PUT', url: '/api/v1/admin/sla', headers: admin.headers, payload: policy });
  t.equal(put.statusCode, 200, put.statusCode === 200 ? 'the seconds-scale policy is saved' : put.body);
}

/** Steps as `deadline:department:level` (the department of a co-handling deadline), in order. */
async function coSteps(pool: import('pg').Pool, no: string): Promise<string[]> {
  const { rows } = await pool.query(
    `SELECT e.data->>'deadline' || ':' || coalesce(e.data->>'departmentCode', 'lead') || ':' || (e.data->>'level') AS s
       FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.ticket_no = $1 AND e.type = 'escalation' ORDER BY e.id`,
    [no],
  );
  return rows.map((r) => r.s);
}
const LADDER = ['warning', 'overdue', 'escalated', 'summons'];
/** Each department's ladder complete, in its own order, each step once (SPEC §18). */
function perDepartment(steps: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of steps) {
    const [deadline, dept, level] = s.split(':');
    (out[`${deadline}:${dept}`] ??= []).push(level);
  }
  return out;
}
const CO_EXPECTED = { 'resolve:lead': LADDER, 'coHandle:sw': LADDER, 'coHandle:hb': LADDER };

/** A help ticket assigned to cj with sw and hb co-handling; its number. */
async function coHandledTicket(ctx: TestContext): Promise<string> {
  const clerk = await staffSession(ctx, ['clerk']);
  const res = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '自来水管爆裂冲坏路面', complainant: { anonymous: true } }));
  const no = json(res).ticketNo as string;
  const assign = await ctx.app.inject({
    method: 'POST', url: `/api/v1/tickets/${no}/actions/assign`, headers: clerk.headers,
    payload: { departmentCode: 'cj', coDepartmentCodes: ['sw', 'hb'], categoryCode: 'road' },
  });
  if (assign.statusCode !== 200) throw new Error(assign.body);
  return no;
}

async function stepEvents(pool: import('pg').Pool) {
  const { rows } = await pool.query(
    `SELECT t.ticket_no, e.data->>'level' AS level, e.at, (e.data->>'stepAt')::timestamptz AS step_at
       FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE e.type = 'escalation' ORDER BY e.id`,
  );
  return rows as { ticket_no: string; level: string; at: Date; step_at: Date }[];
}

for (const backend of BACKENDS) {
  t.test(`the delayed jobs fire the ladder (${backend})`, async (t) => {
    const ctx = await setupApp(t, { clock: realClock as never });
    // Steps 1.5 s, 3 s, 3.5 s and 4.5 s after registration.
    await useSecondsPolicy(t, ctx, { limit: 3, warn: 1.5, esc: 0.5, sum: 1.5 });
    await setupWorkers(t, ctx, { backend, sweepEveryMs: NEVER_MS });
    const clerk = await staffSession(ctx, ['clerk']);
    const res = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '楼道灯坏了', complainant: { phone: '13600000002' } }));
    t.equal(res.statusCode, 201);
    // Generous on a shared machine: only jobs that never fire (or fire only through a sweep) fail here.
    const events = await waitFor('all four steps', async () => {
      const e = await stepEvents(ctx.db.pool);
      return e.length >= 4 ? e : null;
    }, 60_000);
    t.same(events.map((e) => e.level), ['warning', 'overdue', 'escalated', 'summons'], 'in order, once each');
    for (const e of events) {
      const late = e.at.getTime() - e.step_at.getTime();
      t.comment(`${backend} ${e.level}: ${late} ms after its time`);
      t.ok(late >= 0, `${e.level} not before its time`);
    }
  });

  t.test(`queue storage emptied with 200 deadlines pending: the sweeper applies them (${backend})`, async (t) => {
    const clock = new TestClock();
    const ctx = await setupApp(t, { clock });
    // Steps 3, 5, 6 and 7 minutes after registration on the injected clock, which stands still
    // meanwhile: no delayed job is due (in real time) before the flush, nor running during the sweep.
    await useSecondsPolicy(t, ctx, { limit: 300, warn: 120, esc: 60, sum: 120 });
    const prefix = `f${randomBytes(4).toString('hex')}`;
    // The reconciler stays away too, so that only the sweeper can apply a step after the flush.
    const workers = await setupWorkers(t, ctx, { backend, prefix, sweepEveryMs: NEVER_MS, config: { QUEUE_RECONCILE_MS: 86_400_000 } });
    const clerk = await staffSession(ctx, ['clerk']);
    const N = 200;
    for (let i = 0; i < N; i++) {
      const r = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: `第${i}件：路灯不亮`, complainant: { anonymous: true } }));
      if (r.statusCode !== 201) throw new Error(r.body);
    }
    await workers.relay.drain();
    // Lose every queued and delayed job.
    if (backend === 'redis') {
      const redis = new Redis(process.env.REDIS_URL as string);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      t.ok(keys.length > 0, `${keys.length} Redis keys deleted`);
    } else {
      const { rowCount } = await ctx.db.pool.query(`DELETE FROM "bullmq_${prefix}".job`);
      t.ok((rowCount ?? 0) > 0, `${rowCount} queued jobs deleted`);
    }
    t.same(await stepEvents(ctx.db.pool), [], 'no step was due before the flush');

    clock.advance(10 * 60_000); // every step of every ticket has passed
    const first = await workers.sweeper.sweep();
    t.equal(first.steps, 4 * N, 'one sweep applies every passed step');
    // The positive signal that nothing is left: a whole sweep finds nothing more to do.
    t.same(await workers.sweeper.sweep(), { tickets: 0, steps: 0 }, 'a second sweep finds nothing');
    const final = await stepEvents(ctx.db.pool);
    t.equal(final.length, 4 * N, 'no step applied twice');
    const perTicket = new Map<string, string[]>();
    for (const e of final) perTicket.set(e.ticket_no, [...(perTicket.get(e.ticket_no) ?? []), e.level]);
    t.equal(perTicket.size, N);
    t.ok([...perTicket.values()].every((l) => l.join() === 'warning,overdue,escalated,summons'), 'each ticket: all four, in order');
    t.ok(final.every((e) => e.at.getTime() >= e.step_at.getTime()), 'none before its time');
  });

  t.test(`a co-handled ticket: each department's ladder fires once, by the delayed jobs (${backend})`, async (t) => {
    const ctx = await setupApp(t, { clock: realClock as never });
    // Lead due 6 s after registration; the co-handling answers 2 s before it (SPEC §18).
    await useSecondsPolicy(t, ctx, { limit: 6, warn: 1.5, esc: 0.5, sum: 1.5, coBefore: 2 });
    await setupWorkers(t, ctx, { backend, sweepEveryMs: NEVER_MS });
    const no = await coHandledTicket(ctx);
    const steps = await waitFor('twelve steps', async () => {
      const e = await coSteps(ctx.db.pool, no);
      return e.length >= 12 ? e : null;
    }, 60_000);
    await new Promise((r) => setTimeout(r, 1000)); // a late duplicate would show now
    t.same(perDepartment(await coSteps(ctx.db.pool, no)), CO_EXPECTED, `each department once, in order (${steps.length})`);
  });

  t.test(`a co-handled ticket with the queue storage emptied: the sweeper applies each department's steps once (${backend})`, async (t) => {
    const clock = new TestClock();
    const ctx = await setupApp(t, { clock });
    await useSecondsPolicy(t, ctx, { limit: 300, warn: 60, esc: 60, sum: 120, coBefore: 60 });
    const prefix = `c${randomBytes(4).toString('hex')}`;
    const workers = await setupWorkers(t, ctx, { backend, prefix, sweepEveryMs: NEVER_MS, config: { QUEUE_RECONCILE_MS: 86_400_000 } });
    const no = await coHandledTicket(ctx);
    await workers.relay.drain();
    if (backend === 'redis') {
      const redis = new Redis(process.env.REDIS_URL as string);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    } else {
      await ctx.db.pool.query(`DELETE FROM "bullmq_${prefix}".job`);
    }
    t.same(await coSteps(ctx.db.pool, no), [], 'no step before the flush');
    clock.advance(10 * 60_000);
    // The lead's sign-off ladder too (the lead never signed off): four ladders of four steps.
    t.equal((await workers.sweeper.sweep()).steps, 16, 'one sweep applies the four ladders');
    t.same(await workers.sweeper.sweep(), { tickets: 0, steps: 0 }, 'nothing left');
    t.same(perDepartment(await coSteps(ctx.db.pool, no)), { ...CO_EXPECTED, 'signOff:lead': LADDER }, 'each department once, in order');
  });
}
