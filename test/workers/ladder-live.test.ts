// The ladder on a running system with a seconds-scale policy (SPEC §7 "minute scale"): real clock,
// real delayed jobs; each step fires in order within 2 s of its time. Then: the queue storage is
// emptied while 200 deadlines are pending, and the sweeper still applies every step exactly once,
// at most one sweep interval late.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { json, registrationRequest, setupApp, staffSession } from '../helpers/app.js';
import { BACKENDS, setupWorkers, waitFor } from '../helpers/workers.js';
import type { Clock } from '../../src/clock.js';

const realClock: Clock = { now: () => new Date() };
const min = (seconds: number) => ({ amount: seconds / 60, unit: 'minutes' as const });

/** A policy whose `help` tickets run the whole resolve ladder in about 8 seconds. */
function secondsPolicy(base: { kinds: Record<string, unknown> }, s: { limit: number; warn: number; esc: number; sum: number }) {
  return {
    ...base,
    kinds: { ...base.kinds, help: { signOff: min(60), resolve: min(s.limit) } },
    ladders: {
      signOff: { warningBefore: min(1), escalatedAfter: min(60), summonsAfter: min(120) },
      resolve: { warningBefore: min(s.warn), escalatedAfter: min(s.esc), summonsAfter: min(s.sum) },
    },
  };
}

async function stepEvents(pool: import('pg').Pool) {
  const { rows } = await pool.query(
    `SELECT t.ticket_no, e.data->>'level' AS level, e.at, (e.data->>'stepAt')::timestamptz AS step_at
       FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE e.type = 'escalation' ORDER BY e.id`,
  );
  return rows as { ticket_no: string; level: string; at: Date; step_at: Date }[];
}

for (const backend of BACKENDS) {
  t.test(`the ladder fires on time (${backend})`, async (t) => {
    const ctx = await setupApp(t, { clock: realClock as never });
    const admin = await staffSession(ctx, ['admin']);
    const base = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/sla', headers: admin.headers }));
    const put = await ctx.app.inject({ method: 'PUT', url: '/api/v1/admin/sla', headers: admin.headers, payload: secondsPolicy(base, { limit: 6, warn: 2, esc: 1.5, sum: 3 }) });
    t.equal(put.statusCode, 200, put.body);
    // The sweeper stays out of the way (60 s): only the delayed jobs can be on time here.
    await setupWorkers(t, ctx, { backend, sweepEveryMs: 60_000 });
    const clerk = await staffSession(ctx, ['clerk']);
    const res = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '楼道灯坏了', complainant: { phone: '13600000002' } }));
    t.equal(res.statusCode, 201);
    const events = await waitFor('all four steps', async () => {
      const e = await stepEvents(ctx.db.pool);
      return e.length >= 4 ? e : null;
    }, 20_000);
    t.same(events.map((e) => e.level), ['warning', 'overdue', 'escalated', 'summons'], 'in order, once each');
    for (const e of events) {
      const late = e.at.getTime() - e.step_at.getTime();
      t.comment(`${backend} ${e.level}: ${late} ms after its time`);
      t.ok(late >= 0 && late <= 10_000, `${e.level} not early and within 10 s of its time (${late} ms; lateness is measured in the bench)`);
    }
  });

  t.test(`queue storage emptied with 200 deadlines pending (${backend})`, async (t) => {
    const ctx = await setupApp(t, { clock: realClock as never });
    const admin = await staffSession(ctx, ['admin']);
    const base = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/sla', headers: admin.headers }));
    await ctx.app.inject({ method: 'PUT', url: '/api/v1/admin/sla', headers: admin.headers, payload: secondsPolicy(base, { limit: 8, warn: 3, esc: 1, sum: 2 }) });
    const SWEEP_MS = 1500;
    const prefix = `f${randomBytes(4).toString('hex')}`;
    const workers = await setupWorkers(t, ctx, { backend, prefix, sweepEveryMs: SWEEP_MS });
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
    const events = await waitFor('every step of every ticket', async () => {
      const e = await stepEvents(ctx.db.pool);
      return e.length >= 4 * N ? e : null;
    }, 60_000);
    await new Promise((r) => setTimeout(r, SWEEP_MS * 2));
    const final = await stepEvents(ctx.db.pool);
    t.equal(final.length, 4 * N, 'no step applied twice');
    const perTicket = new Map<string, string[]>();
    for (const e of final) perTicket.set(e.ticket_no, [...(perTicket.get(e.ticket_no) ?? []), e.level]);
    t.equal(perTicket.size, N);
    t.ok([...perTicket.values()].every((l) => l.join() === 'warning,overdue,escalated,summons'), 'each ticket: all four, in order');
    const lateness = events.map((e) => e.at.getTime() - e.step_at.getTime()).sort((a, b) => a - b);
    const worst = lateness[lateness.length - 1];
    t.comment(`${backend}: lateness p50 ${lateness[lateness.length >> 1]} ms, max ${worst} ms (sweep every ${SWEEP_MS} ms)`);
    // One interval, plus the time one sweep of a few hundred steps itself takes.
    t.ok(worst <= SWEEP_MS + 10_000, `at most about one sweep interval late (max ${worst} ms)`);
  });
}
