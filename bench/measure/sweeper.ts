// The sweeper applying 100 000 due deadline steps (SPEC §14: ≤ 30 s). 100 000 in-progress tickets
// are seeded with one INSERT … SELECT generate_series: received ten days ago, due in an hour, so on
// the default policy exactly one step (the resolve warning, one working day before the due instant)
// has passed for each. Then `sweepDeadlines` runs once, as the worker's sweeper would, with a pool
// of the worker's size, and what it wrote is counted: escalation events, staff notifications (the
// department's inbox) and the delayed jobs for the next step (outbox rows).
import pg from 'pg';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { sweepDeadlines } from '../../src/services/escalation.service.js';
import { serviceDeps } from '../../src/runtime.js';
import type { BenchContext, Row } from '../lib/types.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function measureSweeper(ctx: BenchContext, steps: number): Promise<{ rows: Row[]; raw: unknown }> {
  const db = ctx.db.pool;
  ctx.log(`sweeper: seeding ${steps} tickets with one passed step each`);
  const seedStart = Date.now();
  const { rows: marks } = await db.query<{ max: string | null; ev: string; sn: string; ob: string }>(
    `SELECT (SELECT max(id) FROM tickets)::text AS max, (SELECT count(*) FROM ticket_events WHERE type = 'escalation')::text AS ev,
            (SELECT count(*) FROM staff_notifications)::text AS sn, (SELECT count(*) FROM outbox WHERE topic = 'deadlines')::text AS ob`,
  );
  await db.query(
    `INSERT INTO tickets (ticket_no, status, kind, channel, content, complainant_phone, village_code, category_code,
        department_code, received_at, registered_at, assigned_at, accepted_at, due_at, updated_at)
     SELECT '8' || lpad(g::text, 14, '0'), 'in_progress', 'complaint', 'phone', '村道塌陷一直没人修（压测第' || g || '件）',
            '1390000' || lpad((g % 10000)::text, 4, '0'), (ARRAY['dongshan','xihe','nanling','beiyuan'])[1 + g % 4],
            c.code, c.department_code, now() - interval '10 days', now() - interval '10 days',
            now() - interval '10 days' + interval '1 hour', now() - interval '10 days' + interval '2 hours',
            now() + interval '1 hour', now()
       FROM generate_series(1, $1::int) AS g
       JOIN LATERAL (SELECT code, department_code FROM categories WHERE code <> 'other' ORDER BY code OFFSET g % 22 LIMIT 1) c ON true`,
    [steps],
  );
  // Their resolve deadlines as rows (migration 0019), each with its warning passed a minute ago.
  await db.query(
    `INSERT INTO ticket_deadlines (ticket_id, kind, department_code, started_at, due_at, next_step_at)
     SELECT t.id, 'resolve', t.department_code, t.received_at, t.due_at, now() - interval '1 minute'
       FROM tickets t WHERE t.id > $1::bigint`,
    [marks[0].max ?? '0'],
  );
  await db.query('ANALYZE tickets');
  await db.query('ANALYZE ticket_deadlines');
  const seedMs = Date.now() - seedStart;
  ctx.log(`sweeper: seeded in ${(seedMs / 1000).toFixed(1)} s; sweeping`);

  // The worker's pool size (workers/index.ts).
  const pool = new pg.Pool({ connectionString: ctx.db.url, max: 10 });
  const deps = serviceDeps({ db: pool, clock: systemClock, log: silent, config: loadConfig({ ...ctx.serverEnv, LOG_LEVEL: 'silent' }) });
  const t0 = process.hrtime.bigint();
  const result = await sweepDeadlines(deps);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await pool.end();

  const since = marks[0].max ?? '0';
  const { rows: counts } = await db.query<{ events: number; all_events: number; per_ticket_max: number; tickets_stepped: number; notes: number; jobs: number }>(
    `SELECT (SELECT count(*) FROM ticket_events WHERE type = 'escalation' AND ticket_id > $1::bigint)::int AS events,
            (SELECT count(*) FROM ticket_events WHERE type = 'escalation')::int - $2::int AS all_events,
            (SELECT coalesce(max(n), 0)::int FROM (SELECT count(*) AS n FROM ticket_events
               WHERE type = 'escalation' AND ticket_id > $1::bigint GROUP BY ticket_id) x) AS per_ticket_max,
            (SELECT count(DISTINCT ticket_id)::int FROM ticket_events WHERE type = 'escalation' AND ticket_id > $1::bigint) AS tickets_stepped,
            (SELECT count(*) FROM staff_notifications)::int - $3::int AS notes,
            (SELECT count(*) FROM outbox WHERE topic = 'deadlines')::int - $4::int AS jobs`,
    [since, marks[0].ev, marks[0].sn, marks[0].ob],
  );
  const c = counts[0];
  // Exactly the seeded steps, each once, and nothing else (no other ticket had a step due).
  const complete = c.events === steps && c.all_events === steps && c.tickets_stepped === steps && c.per_ticket_max === 1 && result.steps === steps;
  const note =
    `${c.events} escalation events, ${c.notes} staff notifications, ${c.jobs} next-step jobs queued (outbox); ` +
    `seeded in ${(seedMs / 1000).toFixed(1)} s` +
    (complete ? '' : ` — INCOMPLETE: expected ${steps} steps once each, sweep reported ${result.steps}, max ${c.per_ticket_max} per ticket`);
  ctx.log(`sweeper: ${(ms / 1000).toFixed(2)} s — ${note}`);
  return {
    rows: [
      {
        id: 'sweeper',
        figure: `sweeper: ${steps.toLocaleString('en')} due deadline steps`,
        measured: `${(ms / 1000).toFixed(2)} s (${Math.round((steps / ms) * 1000)} steps/s)`,
        baseline: '—',
        ratio: null,
        target: '≤ 30 s',
        pass: ms <= 30_000 && complete,
        note,
      },
    ],
    raw: { ms, seedMs, result, counts: c },
  };
}
