// Deadline firing lateness (SPEC §14: a deadline fires within 1 s of its due instant at p99 when
// healthy). A seconds-scale SLA policy is written to the policy table (help: resolve within 1 min,
// warning 30 s before), the real workers start in their own process with the sweeper every 10 min
// (so only the delayed jobs can be on time), and 1 000 tickets are registered through the real
// registration service with backdated receipt times so that their warnings fall due one every
// 10 ms over the next ~10 s. Lateness = the escalation event's `at` − its `stepAt`.
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { registerTicket } from '../../src/services/register.service.js';
import { serviceDeps } from '../../src/runtime.js';
import { startChild } from '../lib/proc.js';
import { installSecondsLadder } from '../lib/seconds-ladder.js';
import { percentile } from '../lib/load.js';
import type { BenchContext, Row } from '../lib/types.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function measureLateness(
  ctx: BenchContext,
  timers: number,
  clearQueue: (prefix: string) => Promise<void>,
): Promise<{ rows: Row[]; raw: unknown }> {
  const db = ctx.db.pool;
  const ladder = await installSecondsLadder(db);

  const prefix = `hyb${randomBytes(3).toString('hex')}`;
  const workers = await startChild('workers.ts', {
    ...ctx.serverEnv,
    BENCH_QUEUE_PREFIX: prefix,
    BENCH_SWEEP_EVERY_MS: '600000',
  });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const deps = serviceDeps({ db, clock: systemClock, log: silent, config: loadConfig({ ...ctx.serverEnv, LOG_LEVEL: 'silent' }) });
    const leadMs = 5000;
    const spacingMs = 10_000 / timers;
    const t0 = Date.now() + leadMs;
    ctx.log(`lateness: registering ${timers} tickets whose warnings fall due over ${((timers * spacingMs) / 1000).toFixed(0)} s (workers: ${String(workers.ready.backend)})`);
    const ids: string[] = [];
    let next = 0;
    const registrant = { scope: 'bench:lateness', label: '压测', userId: null, apiKeyId: null };
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < timers; i = next++) {
          const dueWarning = t0 + i * spacingMs;
          const a = await registerTicket(deps, registrant, `lateness-${i}`, {
            channel: 'phone',
            kind: 'help',
            content: `楼道灯坏了（压测第${i}件）`,
            complainant: { anonymous: true },
            receivedAt: new Date(dueWarning - 30_000),
          });
          ids.push((a.body as { ticketNo: string }).ticketNo);
        }
      }),
    );
    const registeredBy = Date.now();
    if (registeredBy > t0) ctx.log(`lateness: WARNING registration ended ${registeredBy - t0} ms after the first timer was due`);
    const deadline = t0 + timers * spacingMs + 20_000;
    let events: { late: number }[] = [];
    for (;;) {
      const { rows: ev } = await db.query<{ late: number }>(
        `SELECT (extract(epoch FROM e.at - (e.data->>'stepAt')::timestamptz) * 1000)::float8 AS late
           FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
          WHERE e.type = 'escalation' AND e.data->>'level' = 'warning' AND t.ticket_no = ANY($1::text[])`,
        [ids],
      );
      events = ev;
      if (events.length >= timers || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const late = events.map((e) => e.late).sort((a, b) => a - b);
    const p50 = percentile(late, 50);
    const p99 = percentile(late, 99);
    const max = late[late.length - 1];
    const missing = timers - late.length;
    const note =
      `${late.length}/${timers} fired; max ${max?.toFixed(0)} ms; registered ${Math.max(0, t0 - registeredBy)} ms before the first was due` +
      (missing > 0 ? ` — ${missing} did not fire within 20 s of the last due instant` : '');
    ctx.log(`lateness: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms — ${note}`);
    return {
      rows: [
        {
          id: 'deadline_lateness',
          figure: `deadline firing lateness (${timers} timers, delayed jobs)`,
          measured: `p99 ${p99.toFixed(0)} ms (p50 ${p50.toFixed(0)} ms)`,
          baseline: '—',
          ratio: null,
          target: 'p99 ≤ 1000 ms',
          pass: missing === 0 && p99 <= 1000,
          note,
        },
      ],
      raw: { p50, p99, max, fired: late.length, timers, backend: workers.ready.backend },
    };
  } finally {
    await workers.stop();
    await clearQueue(prefix);
    await ladder.restore();
  }
}
