// `npm run bench -- --scale`: what a clerk, a leader and the supervision office do all day, on the
// years of a county-level city (SPEC §14: 50 000 tickets a month for five years — 3 000 000
// tickets, ~9 000 000 timeline events), measured at 300 000, 1 000 000 and 3 000 000 tickets so
// the growth shows. The table grows into the past (the newest months are seeded first, older ones
// added), so "this month" holds 50 000 tickets at every size, as it would in the city.
//
// Seeding is the notice bench's (seedNoticeTickets: one INSERT … SELECT generate_series, the
// secondary indexes dropped and rebuilt). Each figure is read through the real app (app.inject:
// routing, session, validation, serialisation — no socket), as a supervisor sees it.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { serviceDeps } from '../../src/runtime.js';
import { createUser } from '../../src/services/users.service.js';
import { duplicateCandidatesSql } from '../../src/db/tickets.repository.js';
import { explainRowsRead } from '../../src/db/explain.js';
import { percentile } from '../lib/load.js';
import type { BenchContext, Row } from '../lib/types.js';
import { monthBefore, seedNoticeTickets } from './notice.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const PER_MONTH = 50_000;

interface Figure {
  id: string;
  figure: string;
  unit: 'ms' | 'rows' | 'tickets' | 'GB';
  /** p95 (ms), or a count; per size. */
  values: number[];
  bar: number | null;
  barText: string;
}

async function signIn(app: FastifyInstance, ctx: BenchContext, config: ReturnType<typeof loadConfig>): Promise<Record<string, string>> {
  const password = 'bench-password-123';
  await createUser(serviceDeps({ db: ctx.db.pool, clock: systemClock, log: silent, config }), 'bench', {
    username: 'bench.supervisor', password, displayName: '压测督办', roles: ['supervisor'],
  });
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'bench.supervisor', password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const cookie = /hy_session=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1];
  return { cookie: `hy_session=${cookie}`, 'x-csrf-token': res.json().csrfToken };
}

/** The slowest request of each figure at each size (the bench's raw output and its log). */
const slowest: { figure: string; url: string; ms: number }[] = [];

/** p95 of the answer times of `urls`, each asked `times` times after one warm-up round. */
async function p95(app: FastifyInstance, headers: Record<string, string>, urls: string[], times = 3, figure = ''): Promise<number> {
  for (const url of urls) await get(app, headers, url);
  const ms: number[] = [];
  let worst = { url: '', ms: 0 };
  for (let i = 0; i < times; i++) {
    for (const url of urls) {
      const t0 = process.hrtime.bigint();
      await get(app, headers, url);
      const took = Number(process.hrtime.bigint() - t0) / 1e6;
      ms.push(took);
      if (took > worst.ms) worst = { url: decodeURIComponent(url), ms: took };
    }
  }
  slowest.push({ figure, ...worst });
  return percentile(ms.sort((a, b) => a - b), 95);
}

async function get(app: FastifyInstance, headers: Record<string, string>, url: string): Promise<unknown> {
  const res = await app.inject({ method: 'GET', url, headers });
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res.json();
}

export async function measureScale(ctx: BenchContext, sizes: number[]): Promise<{ rows: Row[]; raw: unknown }> {
  const config = loadConfig({ ...ctx.serverEnv, LOG_LEVEL: 'silent' });
  const app = await buildApp({ config: { ...config, DATABASE_URL: ctx.db.url }, clock: systemClock, logger: false });
  const figures = new Map<string, Figure>();
  const record = (f: Omit<Figure, 'values'>, value: number) => {
    const known = figures.get(f.id) ?? { ...f, values: [] };
    known.values.push(value);
    figures.set(f.id, known);
  };
  const seeds: unknown[] = [];
  try {
    const headers = await signIn(app, ctx, config);
    const now = new Date();
    let seededMonths = 0;
    for (const size of sizes) {
      const months = Math.round(size / PER_MONTH) - seededMonths;
      ctx.log(`scale: seeding ${(months * PER_MONTH).toLocaleString('en')} more tickets (${months} older months) → ${size.toLocaleString('en')}`);
      const seed = await seedNoticeTickets(ctx.db.pool, { perMonth: PER_MONTH, months, monthsBack: seededMonths + 1, now });
      seededMonths += months;
      seeds.push(seed);
      const { rows: sz } = await ctx.db.pool.query<{ tickets: number; events: number; gb: number }>(
        `SELECT (SELECT count(*) FROM tickets)::int AS tickets, (SELECT count(*) FROM ticket_events)::int AS events,
                (pg_database_size(current_database()) / 1e9)::float8 AS gb`,
      );
      ctx.log(
        `scale: ${sz[0].tickets.toLocaleString('en')} tickets, ${sz[0].events.toLocaleString('en')} events, ${sz[0].gb.toFixed(1)} GB ` +
          `(seeded in ${(seed.seedMs / 1000).toFixed(0)} s)`,
      );
      record({ id: 'tickets', figure: 'tickets in the table', unit: 'tickets', bar: null, barText: '' }, sz[0].tickets);
      record({ id: 'events', figure: 'timeline events', unit: 'tickets', bar: null, barText: '' }, sz[0].events);
      record({ id: 'disk', figure: 'database size', unit: 'GB', bar: null, barText: '' }, sz[0].gb);

      // Samples from the table as it is now: numbers, phones and names that exist.
      const { rows: sample } = await ctx.db.pool.query<{ ticket_no: string; complainant_phone: string | null; complainant_name: string | null }>(
        `SELECT ticket_no, complainant_phone, complainant_name FROM tickets TABLESAMPLE BERNOULLI (${Math.min(100, 400_000 / size)})
          WHERE complainant_phone IS NOT NULL ORDER BY random() LIMIT 40`,
      );
      const month = monthBefore(now, 1);
      const yearFrom = monthBefore(now, 12);
      const { rows: depts } = await ctx.db.pool.query<{ code: string }>(`SELECT code FROM departments WHERE kind = 'office' ORDER BY code`);
      const dept = (i: number) => depts[i % depts.length].code;
      const q = (s: string) => `/api/v1/tickets?limit=50&q=${encodeURIComponent(s)}`;

      const listUrls = [
        '/api/v1/tickets?limit=50',
        '/api/v1/tickets?limit=50&status=in_progress',
        `/api/v1/tickets?limit=50&departmentCode=${dept(0)}&status=in_progress,assigned`,
        `/api/v1/tickets?limit=50&departmentCode=${dept(1)}`,
        '/api/v1/tickets?limit=50&categoryCode=road&status=closed',
        '/api/v1/tickets?limit=50&kind=emergency',
        '/api/v1/tickets?limit=50&villageCode=xihe&status=closed',
        '/api/v1/tickets?limit=50&channel=letter&status=registered',
        '/api/v1/tickets?limit=50&overdue=true',
        `/api/v1/tickets?limit=50&status=replied&departmentCode=${dept(2)}`,
      ];
      // Page 2 of two of them, through the cursor the first page gave.
      for (const url of [listUrls[1], listUrls[3]]) {
        const first = (await get(app, headers, url)) as { nextCursor?: string | null };
        if (first.nextCursor) listUrls.push(`${url}&cursor=${encodeURIComponent(first.nextCursor)}`);
      }
      record({ id: 'list', figure: 'staff list with filters (p95)', unit: 'ms', bar: 50, barText: '≤ 50 ms' }, await p95(app, headers, listUrls, 3, 'list'));
      const words = ['路灯', '自来水', '宅基地', '臭味很大', '东山村3组17号', '西河村11组', '冰雹砸坏', '滑坡的迹象', '拖欠工资', '医保缴费'];
      record({ id: 'q_words', figure: 'q by words of the content (p95)', unit: 'ms', bar: 300, barText: '≤ 300 ms' }, await p95(app, headers, words.map(q), 3, 'q_words'));
      const phones = sample.slice(0, 10).map((s) => q(s.complainant_phone!));
      record({ id: 'q_phone', figure: 'q by whole phone (p95)', unit: 'ms', bar: 30, barText: '≤ 30 ms' }, await p95(app, headers, phones, 3, 'q_phone'));
      const last4 = sample.slice(10, 20).map((s) => q(s.complainant_phone!.slice(-4)));
      record({ id: 'q_last4', figure: "q by a phone's last 4 digits (p95)", unit: 'ms', bar: 30, barText: '≤ 30 ms' }, await p95(app, headers, last4, 3, 'q_last4'));
      const names = [...new Set(sample.map((s) => s.complainant_name).filter((n): n is string => !!n))].slice(0, 10).map(q);
      record({ id: 'q_name', figure: 'q by name (p95)', unit: 'ms', bar: 30, barText: '≤ 30 ms' }, await p95(app, headers, names, 3, 'q_name'));
      const numbers = sample.slice(20, 30).map((s) => q(s.ticket_no));
      record({ id: 'q_number', figure: 'q by ticket number (p95)', unit: 'ms', bar: 30, barText: '≤ 30 ms' }, await p95(app, headers, numbers, 3, 'q_number'));

      // Duplicate candidates of a registration in the busiest village × category, with a phone.
      const since = new Date(now.getTime() - 7 * 86_400_000);
      const { rows: busy } = await ctx.db.pool.query<{ village_code: string; category_code: string; complainant_phone: string }>(
        `SELECT village_code, category_code, max(complainant_phone) AS complainant_phone FROM tickets
          WHERE received_at >= $1::timestamptz - interval '60 days' AND village_code IS NOT NULL AND category_code IS NOT NULL
          GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`,
        [since],
      );
      // The seed ends with last month: plant the week's registrations as in a busy week there.
      const dupSince = new Date(Date.parse(`${month}-20T00:00:00+08:00`));
      const read = await explainRowsRead(
        ctx.db.pool,
        duplicateCandidatesSql('$1::text', '$2::text', '$3::text', '$4::timestamptz'),
        [busy[0].complainant_phone, busy[0].village_code, busy[0].category_code, dupSince],
        'tickets',
      );
      record({ id: 'dup_rows', figure: 'duplicate candidates: rows read', unit: 'rows', bar: 200, barText: '≤ 200 rows' }, read);

      record(
        { id: 'stats_month', figure: 'department statistics of a month (p95)', unit: 'ms', bar: 1000, barText: '≤ 1 s' },
        await p95(app, headers, [`/api/v1/stats/departments?month=${month}`, `/api/v1/stats/handlers?month=${month}`], 2, 'stats_month'),
      );
      record(
        { id: 'stats_year', figure: 'department statistics of a year (p95)', unit: 'ms', bar: 5000, barText: '≤ 5 s' },
        await p95(app, headers, [`/api/v1/stats/departments?from=${yearFrom}&to=${month}`], 2, 'stats_year'),
      );
      record(
        { id: 'supervision', figure: 'supervision board (p95)', unit: 'ms', bar: null, barText: 'reported' },
        await p95(app, headers, ['/api/v1/supervision'], 5, 'supervision'),
      );
      const lookups = sample.slice(30, 40).map((s) => `/api/v1/tickets/${s.ticket_no}`);
      record(
        { id: 'ticket', figure: 'one ticket with its timeline, staff view (p95)', unit: 'ms', bar: null, barText: 'reported' },
        await p95(app, headers, lookups, 3, 'ticket'),
      );
      ctx.log(`scale: ${size.toLocaleString('en')} measured: ${[...figures.values()].map((f) => `${f.id} ${fmt(f.values.at(-1)!, f.unit)}`).join(', ')}`);
      ctx.log(`scale: slowest requests: ${slowest.splice(0).map((w) => `${w.figure} ${w.ms.toFixed(0)} ms ${w.url}`).join(' · ')}`);
    }
  } finally {
    await app.close();
  }
  return { rows: toRows([...figures.values()], sizes), raw: { sizes, figures: [...figures.values()], seeds } };
}

const sizeText = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

function fmt(v: number, unit: Figure['unit']): string {
  if (unit === 'ms') return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms`;
  if (unit === 'GB') return `${v.toFixed(1)} GB`;
  return v.toLocaleString('en');
}

/** One row per figure: the value at each size, the growth from the first size to the last, the bar at the last. */
function toRows(figures: Figure[], sizes: number[]): Row[] {
  return figures.map((f, i) => {
    const last = f.values.at(-1)!;
    const growth = f.values.length > 1 && f.values[0] > 0 ? last / f.values[0] : null;
    return {
      id: `scale.${f.id}`,
      figure: f.figure,
      measured: f.values.map((v, k) => `${fmt(v, f.unit)} @${sizeText(sizes[k])}`).join(' · '),
      baseline: '—',
      ratio: growth,
      target: f.bar === null ? (f.barText || 'reported') : `${f.barText} @${sizeText(sizes.at(-1)!)}`,
      pass: f.bar === null ? null : last <= f.bar,
      note: i === 0 && growth !== null ? `ratio (every scale row) = the figure at ${sizeText(sizes.at(-1)!)} ÷ the figure at ${sizeText(sizes[0])}` : undefined,
    };
  });
}
