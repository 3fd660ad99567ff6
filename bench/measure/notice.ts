// The monthly notice over a realistic table (SPEC §14: "in a 1 000 000-ticket table, a month of
// 100 000 tickets: notice aggregates ≤ 2× the raw SQL aggregate time, the whole notice (with its
// case list) ≤ 10 s"). See bench/README.md (figure 6) for what each timing covers and why.
//
// Seeding: 1 000 000 tickets over ten whole months (100 000 each, Asia/Shanghai), ending three
// months before the current one so that no other phase's tickets (the sweeper's, received ten days
// ago; the lookup pool's, received up to 60 days ago) fall in the measured month. One INSERT …
// SELECT generate_series writes them, with the table's secondary indexes dropped for the load and
// rebuilt from their own definitions afterwards (the same indexes, built in one pass each), then
// the timeline events loadNoticeTickets reads (accepted, return_decided) and the ones every ticket
// has before them (registered, assigned), then ANALYZE.
import pg from 'pg';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { serviceDeps } from '../../src/runtime.js';
import { loadNoticeCases, loadNoticeTickets, noticeFigureRows } from '../../src/db/notices.repository.js';
import { listCategories, listDepartments } from '../../src/db/catalogue.repository.js';
import { buildNoticeModel, noticeModelFromFigures } from '../../src/domain/notice.js';
import { monthRange } from '../../src/domain/stats.js';
import { DAMM_TABLE } from '../../src/domain/ticket-number.js';
import { SHANGHAI_OFFSET_MS } from '../../src/domain/local-date.js';
import { generateNotice } from '../../src/services/notices.service.js';
import { median } from '../lib/load.js';
import type { BenchContext, Row } from '../lib/types.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** `YYYY-MM` of the Asia/Shanghai month `back` months before the one containing `now`. */
export function monthBefore(now: Date, back: number): string {
  const local = new Date(now.getTime() + SHANGHAI_OFFSET_MS);
  const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - back, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

// What residents say (category code, text of ~25 characters), as in the HTTP bench.
export const DEMANDS: [string, string][] = [
  ['road', '村东头的水泥路塌了一个大坑，晚上骑电动车的人已经摔了两个，请尽快修补'],
  ['road', '我们组的路灯坏了快一个月了，晚上出门一片黑，老人小孩很不安全'],
  ['drinking_water', '这几天自来水水压很低，三楼以上基本没水，做饭洗衣都成问题'],
  ['drinking_water', '自来水有一股怪味，颜色发黄，担心水质有问题，请派人检测'],
  ['agri_subsidy', '我家今年的耕地地力保护补贴到现在还没发到一卡通上，请帮忙查一下'],
  ['elderly', '母亲八十多岁独居，申请高龄补贴材料交上去两个月了没有回音'],
  ['wages', '在工地干了半年活，老板拖欠工资三万多元一直不给，电话也不接'],
  ['dispute', '邻居盖房占了我家的宅基地边界，多次协商不成，请村里出面调解'],
  ['pollution', '村口养殖场臭味很大，夏天苍蝇成群，污水直接排进小河里'],
  ['sanitation', '垃圾桶满了好几天没人清运，天热了臭气熏天，请安排清运'],
  ['power', '昨天下午开始停电，到现在还没来电，冰箱里的东西都坏了'],
  ['dibao', '家里困难，丈夫生病不能干活，想申请低保不知道需要什么材料'],
  ['education', '学校门口的校车超载，孩子们挤在车里很危险，希望管一管'],
  ['safety', '村后山坡下雨后有滑坡的迹象，下面住着几户人家，存在安全隐患'],
  ['market', '小卖部卖过期食品，孩子吃了拉肚子，老板还不承认'],
  ['irrigation', '水渠被堵住了，下面的田灌不上水，秧苗都快干死了'],
  ['social_insurance', '今年的城乡居民医保缴费交了但是系统里查不到，看病不能报销'],
  ['homestead', '儿子结婚想在自家宅基地上翻建房子，不知道审批要走什么手续'],
  ['land_contract', '我家的承包地被别人流转出去了，合同上没有我的签字'],
  ['collective_assets', '村里集体鱼塘承包的钱去年没有公开账目，村民有意见'],
  ['other', '想咨询一下镇上办理各类证明需要带哪些材料，在哪个窗口办'],
];
export const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林', '何', '郭', '马', '欧阳', '司马', '诸葛'];
// Given names of one or two of these characters (~35 000 full names with the surnames, as
// diverse as a county's residents: a full name is a rare search, as it is in life).
export const GIVEN = [...'建国秀英伟芳明丽强桂兰志玉海燕庆春生淑珍德小红文华金凤桂平军勇静敏霞燕辉刚杰娟涛超磊洋艳'];
export const VILLAGES: [string, string][] = [['dongshan', '东山村'], ['xihe', '西河村'], ['nanling', '南岭村'], ['beiyuan', '北苑社区']];

export interface NoticeSeed {
  month: string;
  monthTickets: number;
  tableTickets: number;
  events: number;
  seedMs: number;
  phases: Record<string, number>;
  foreignKeysChecked: boolean;
}

/**
 * Seeds `perMonth` tickets in each of `months` whole months, the last of them `monthsBack` months
 * before now's, and returns that last month (the one measured).
 */
export async function seedNoticeTickets(pool: pg.Pool, opts: { perMonth: number; months: number; monthsBack: number; now: Date }): Promise<NoticeSeed> {
  const t0 = Date.now();
  const phases: Record<string, number> = {};
  let tp = t0;
  const phase = (name: string) => {
    const t = Date.now();
    phases[name] = t - tp;
    tp = t;
  };
  const first = opts.monthsBack + opts.months - 1;
  const bounds: Date[] = [];
  for (let back = first; back >= opts.monthsBack - 1; back--) bounds.push(monthRange(monthBefore(opts.now, back)).from);
  const month = monthBefore(opts.now, opts.monthsBack);
  const client = await pool.connect();
  try {
    const { rows: mark } = await client.query<{ max: string }>('SELECT coalesce(max(id), 0)::text AS max FROM tickets');
    const since = mark[0].max;
    // The seed is data, not a test of the constraints: the codes come from the catalogue, so the
    // foreign keys' per-row triggers are skipped for the load (needs a superuser; else they run).
    let replica = true;
    await client.query("SET session_replication_role = 'replica'").catch(() => {
      replica = false;
    });
    await client.query("SET maintenance_work_mem = '256MB'");
    // Secondary indexes are dropped for the load and rebuilt from their own definitions (one sort
    // each instead of 1 000 000 insertions each); constraint indexes (keys, unique) stay.
    const { rows: defs } = await client.query<{ name: string; def: string }>(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
         FROM pg_index i
        WHERE i.indrelid IN ('tickets'::regclass, 'ticket_events'::regclass, 'ticket_deadlines'::regclass)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
    );
    for (const d of defs) await client.query(`DROP INDEX ${d.name}`);
    phase('drop indexes');
    const { rows: cats } = await client.query<{ code: string; name: string; department_code: string }>(
      'SELECT code, name, department_code FROM categories',
    );
    const catOf = new Map(cats.map((c) => [c.code, c]));
    // Valid numbers (date, 6 digits, the Damm check digit of src/domain/ticket-number.ts), so the
    // staff view and the lookup accept them: a day holds ~3 300 at most, never 10^6 apart.
    await client.query(
      `CREATE OR REPLACE FUNCTION pg_temp.with_check_digit(s text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
         DECLARE t int[] := '{${DAMM_TABLE.flat().join(',')}}'; i int := 0;
         BEGIN
           FOR k IN 1..length(s) LOOP i := t[i * 10 + substr(s, k, 1)::int + 1]; END LOOP;
           RETURN s || i;
         END $$`,
    );
    await client.query('SELECT setseed(0.14)');
    await client.query(
      `INSERT INTO tickets (ticket_no, status, outcome, kind, channel, content, complainant_name, complainant_phone, anonymous,
          confidential, village_code, address, category_code, department_code, received_at, registered_at, assigned_at,
          accepted_at, sign_off_due_at, due_at, replied_at, closed_at, public_summary, satisfaction, resolved,
          updated_at)
       SELECT pg_temp.with_check_digit(to_char(rcv AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad((g % 1000000)::text, 6, '0')),
              status, outcome, kind, channel,
              CASE WHEN r_name < 0.35 AND name IS NOT NULL THEN '我是' || name || '，' WHEN r_name < 0.5 THEN '您好，' ELSE '' END
                || CASE WHEN r_addr < 0.3 THEN address || '，' ELSE '' END
                || ($5::text[])[1 + d]
                || CASE WHEN r_phone < 0.4 AND phone IS NOT NULL THEN '，联系电话' || phone || '。'
                        WHEN r_phone < 0.45 THEN '，身份证号' || (330102 + g % 97)::text || '19' || lpad((50 + g % 50)::text, 2, '0') || '0' || (1 + g % 9)::text || '1' || (1 + g % 9)::text || lpad((g % 10000)::text, 4, '0') || '。'
                        WHEN r_phone < 0.48 THEN '，有事加我微信wx_' || lpad((g % 100000)::text, 6, '0') || '。'
                        ELSE '。' END,
              name, phone, name IS NULL, r_conf < 0.03, village, address, category, department,
              rcv, rcv + interval '5 minutes', assigned_at, accepted_at, assigned_at + interval '1 day', rcv + interval '15 days',
              replied_at, closed_at,
              CASE WHEN r_conf > 0.95 THEN '群众反映' || ($8::text[])[1 + v % 4] || '有关' || ($9::text[])[1 + d] || '问题' END,
              satisfaction,
              CASE WHEN satisfaction IN ('very_satisfied','satisfied','basically_satisfied','dissatisfied','very_dissatisfied')
                   THEN outcome = 'resolved' OR (outcome = 'explained' AND r_sat < 0.3) END,
              coalesce(closed_at, replied_at, rcv)
         FROM (
           SELECT s.*,
                  CASE WHEN status IN ('in_progress', 'replied', 'closed', 'returned') AND (status <> 'returned' OR r_t1 < 0.5)
                       THEN assigned_at + r_t2 * interval '30 hours' END AS accepted_at,
                  CASE WHEN status = 'replied' OR (status = 'closed' AND outcome <> 'rejected')
                       THEN rcv + (2 + 15 * r_t3) * interval '1 day' END AS replied_at,
                  CASE WHEN status = 'closed' THEN rcv + (5 + 15 * r_t3) * interval '1 day'
                       WHEN status = 'merged' THEN rcv + interval '1 day' END AS closed_at,
                  CASE WHEN status = 'closed' AND outcome <> 'rejected' THEN
                       CASE WHEN r_sat < 0.30 THEN 'very_satisfied' WHEN r_sat < 0.65 THEN 'satisfied'
                            WHEN r_sat < 0.80 THEN 'basically_satisfied' WHEN r_sat < 0.85 THEN 'dissatisfied'
                            WHEN r_sat < 0.87 THEN 'very_dissatisfied' WHEN r_sat < 0.95 THEN 'unreachable' ELSE 'no_response' END
                  END AS satisfaction
             FROM (
               SELECT r.*,
                      CASE WHEN status IN ('registered', 'merged') THEN NULL ELSE rcv + interval '2 hours' END AS assigned_at,
                      CASE WHEN status = 'registered' AND r_cat < 0.5 THEN NULL ELSE ($6::text[])[1 + d] END AS category,
                      CASE WHEN status IN ('registered', 'merged') THEN NULL ELSE ($7::text[])[1 + d] END AS department,
                      CASE WHEN v < 4 THEN ($10::text[])[1 + v] END AS village,
                      CASE WHEN r_addr < 0.8 THEN ($8::text[])[1 + v % 4] || (1 + g % 12)::text || '组' || (1 + g % 80)::text || '号' END AS address,
                      CASE WHEN r_name < 0.9 THEN ($11::text[])[1 + g % array_length($11::text[], 1)] || ($12::text[])[1 + (g / 7) % array_length($12::text[], 1)]
                                || CASE WHEN g % 5 <> 0 THEN ($12::text[])[1 + (g / 311) % array_length($12::text[], 1)] ELSE '' END END AS name,
                      CASE WHEN r_phone < 0.85 THEN '1' || (3 + g % 7)::text || lpad(((g::bigint * 7919 + 1234567) % 1000000000)::text, 9, '0') END AS phone
                 FROM (
                   SELECT g, k, mi,
                          ($1::timestamptz[])[1 + mi] + (($1::timestamptz[])[2 + mi] - ($1::timestamptz[])[1 + mi]) * ((k + r_t0) / $3::float8) AS rcv,
                          CASE WHEN r_ch < 0.45 THEN 'phone' WHEN r_ch < 0.70 THEN 'wechat_group' WHEN r_ch < 0.85 THEN 'walk_in'
                               WHEN r_ch < 0.90 THEN 'letter' ELSE 'web' END AS channel,
                          CASE WHEN r_kind < 0.30 THEN 'consult' WHEN r_kind < 0.50 THEN 'help' WHEN r_kind < 0.58 THEN 'suggest'
                               WHEN r_kind < 0.88 THEN 'complaint' WHEN r_kind < 0.98 THEN 'report' ELSE 'emergency' END AS kind,
                          CASE WHEN r_st < 0.02 THEN 'registered' WHEN r_st < 0.04 THEN 'assigned' WHEN r_st < 0.05 THEN 'returned'
                               WHEN r_st < 0.10 THEN 'in_progress' WHEN r_st < 0.18 THEN 'replied' WHEN r_st < 0.20 THEN 'merged'
                               ELSE 'closed' END AS status,
                          CASE WHEN r_st >= 0.20 THEN
                               CASE WHEN r_out < 0.62 THEN 'resolved' WHEN r_out < 0.87 THEN 'explained' WHEN r_out < 0.93 THEN 'unresolvable'
                                    ELSE 'rejected' END
                               WHEN r_st >= 0.18 AND r_out < 0.5 THEN 'merged' END AS outcome,
                          -- Skewed: the first demands (roads, water) are the commonest.
                          least(floor(power(r_cat, 1.6) * $4::int)::int, $4::int - 1) AS d,
                          CASE WHEN r_vil < 0.92 THEN floor(r_vil / 0.23)::int ELSE 4 END AS v,
                          r_t1, r_t2, r_t3, r_out, r_sat, r_name, r_phone, r_addr, r_conf, r_cat
                     FROM (
                       SELECT g, g / $3::int AS mi, g % $3::int AS k,
                              random() AS r_t0, random() AS r_t1, random() AS r_t2, random() AS r_t3, random() AS r_ch,
                              random() AS r_kind, random() AS r_st, random() AS r_out, random() AS r_sat, random() AS r_cat,
                              random() AS r_vil, random() AS r_name, random() AS r_phone, random() AS r_addr, random() AS r_conf
                         FROM generate_series(0, $2::int - 1) AS g
                     ) u
                 ) r
             ) s
         ) x`,
      [
        bounds,
        opts.perMonth * opts.months,
        opts.perMonth,
        DEMANDS.length,
        DEMANDS.map(([, text]) => text),
        DEMANDS.map(([code]) => code),
        DEMANDS.map(([code]) => catOf.get(code)?.department_code ?? 'zz'),
        VILLAGES.map(([, name]) => name),
        DEMANDS.map(([code]) => catOf.get(code)?.name ?? code),
        VILLAGES.map(([code]) => code),
        SURNAMES,
        GIVEN,
      ],
    );
    phase('insert tickets');
    // Every ticket's timeline starts registered; the assigned ones were assigned, most accepted,
    // and one in 31 had a return decided (a fifth of those refused as improper).
    const { rowCount } = await client.query(
      `INSERT INTO ticket_events (ticket_id, type, at, actor_label, public, data)
       SELECT t.id, e.type, e.at, '压测', e.public, e.data
         FROM tickets t,
              LATERAL (VALUES ('registered', t.received_at, true, '{}'::jsonb),
                              ('assigned', t.assigned_at, false, '{}'::jsonb),
                              ('accepted', t.accepted_at, true, '{}'::jsonb),
                              ('return_decided', CASE WHEN t.id % 31 = 0 THEN t.assigned_at + interval '6 hours' END, false,
                               jsonb_build_object('improper', t.id % 5 = 0))) AS e(type, at, public, data)
        WHERE t.id > $1::bigint AND e.at IS NOT NULL`,
      [since],
    );
    phase('insert events');
    // Their deadlines as rows (SPEC §18; what migration 0019 makes of older tickets): the resolve
    // deadline of each, open while the reply is awaited, and the sign-off of the assigned ones.
    // Open rows have no step left to run and no level (the seed invents no escalation history).
    await client.query(
      `INSERT INTO ticket_deadlines (ticket_id, kind, department_code, started_at, due_at, level, state, closed_at)
       SELECT t.id, 'resolve', t.department_code, t.received_at, t.due_at,
              NULL, CASE WHEN open THEN 'open' ELSE 'done' END,
              CASE WHEN open THEN NULL ELSE coalesce(t.replied_at, t.closed_at, t.updated_at) END
         FROM tickets t, LATERAL (SELECT t.status IN ('registered', 'assigned', 'in_progress', 'returned') AS open) o
        WHERE t.id > $1::bigint
       UNION ALL
       SELECT t.id, 'sign_off', t.department_code, t.assigned_at, t.sign_off_due_at,
              NULL, CASE WHEN t.status = 'assigned' THEN 'open' ELSE 'done' END,
              CASE WHEN t.status = 'assigned' THEN NULL ELSE coalesce(t.accepted_at, t.closed_at, t.updated_at) END
         FROM tickets t
        WHERE t.id > $1::bigint AND t.assigned_at IS NOT NULL AND t.sign_off_due_at IS NOT NULL`,
      [since],
    );
    phase('insert deadlines');
    for (const d of defs) await client.query(d.def);
    phase(`rebuild ${defs.length} indexes`);
    if (replica) await client.query("SET session_replication_role = 'origin'");
    await client.query('ANALYZE tickets');
    await client.query('ANALYZE ticket_events');
    await client.query('ANALYZE ticket_deadlines');
    phase('analyze');
    const { from, to } = monthRange(month);
    const { rows: counts } = await client.query<{ month: number; all: number }>(
      'SELECT count(*) FILTER (WHERE received_at >= $1 AND received_at < $2)::int AS month, count(*)::int AS all FROM tickets',
      [from, to],
    );
    return {
      month,
      monthTickets: counts[0].month,
      tableTickets: counts[0].all,
      events: rowCount ?? 0,
      seedMs: Date.now() - t0,
      phases,
      foreignKeysChecked: !replica,
    };
  } finally {
    await client.query("RESET session_replication_role; RESET maintenance_work_mem").catch(() => undefined);
    client.release();
  }
}

// ---------------------------------------------------------------------------------------------
// The baseline: the notice's figures computed by PostgreSQL in one hand-written GROUP BY.

const REACHED_SQL = `('very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied')`;

/**
 * Every figure of the notice (SPEC §8; the definitions at the top of src/domain/notice.ts) for the
 * tickets received in [$1, $2), `now` = $3: totals, by channel, kind, category, village, village ×
 * category, and the department table — the first acceptance and the improper returns from the
 * timeline, per ticket, as loadNoticeTickets reads them. One statement, one result of ~150 rows.
 */
export const RAW_FIGURES_SQL = `
SELECT GROUPING(t.channel, t.kind, t.category_code, t.village_code, t.department_code) AS g,
       t.channel, t.kind, t.category_code, t.village_code, t.department_code,
       count(*)::int AS received,
       count(*) FILTER (WHERE t.status IN ('closed', 'merged'))::int AS closed,
       count(*) FILTER (WHERE r.replied AND t.replied_at <= t.due_at)::int AS on_time,
       count(*) FILTER (WHERE r.replied OR r.overdue)::int AS reply_decided,
       count(*) FILTER (WHERE NOT r.replied AND r.overdue)::int AS overdue_open,
       count(*) FILTER (WHERE t.assigned_at IS NOT NULL AND (ev.first_accepted_at IS NOT NULL
                          OR (t.status IN ('assigned', 'returned') AND t.sign_off_due_at < $3)))::int AS assigned,
       count(*) FILTER (WHERE t.assigned_at IS NOT NULL
                          AND ev.first_accepted_at <= coalesce(t.sign_off_due_at, 'infinity'))::int AS accepted_on_time,
       round(avg(extract(epoch FROM ev.first_accepted_at - t.received_at) / 3600)::numeric, 1)::float8 AS avg_first_response_hours,
       count(*) FILTER (WHERE r.reached)::int AS reached,
       count(*) FILTER (WHERE r.reached AND t.resolved)::int AS resolved,
       count(*) FILTER (WHERE t.satisfaction IN ('very_satisfied', 'satisfied', 'basically_satisfied'))::int AS satisfied,
       sum(ev.improper)::int AS improper_returns
  FROM tickets t
 CROSS JOIN LATERAL (SELECT
         t.replied_at IS NOT NULL AND (t.status = 'replied' OR (t.status = 'closed' AND t.outcome <> 'rejected')) AS replied,
         t.status IN ('registered', 'assigned', 'in_progress', 'returned') AND t.due_at < $3 AS overdue,
         t.satisfaction IN ${REACHED_SQL} AS reached) r
 CROSS JOIN LATERAL (
         SELECT min(e.at) FILTER (WHERE e.type = 'accepted') AS first_accepted_at,
                count(*) FILTER (WHERE e.type = 'return_decided' AND (e.data->>'improper')::boolean) AS improper
           FROM ticket_events e WHERE e.ticket_id = t.id AND e.type IN ('accepted', 'return_decided')) ev
 WHERE t.received_at >= $1 AND t.received_at < $2
 GROUP BY GROUPING SETS ((), (t.channel), (t.kind), (t.category_code), (t.village_code), (t.village_code, t.category_code),
                         (t.department_code))`;

/** Only what the tickets table holds (no timeline): received and closed by each dimension. */
export const RAW_HEADLINE_SQL = `
SELECT GROUPING(t.channel, t.kind, t.category_code, t.village_code, t.department_code) AS g,
       t.channel, t.kind, t.category_code, t.village_code, t.department_code,
       count(*)::int AS received, count(*) FILTER (WHERE t.status IN ('closed', 'merged'))::int AS closed
  FROM tickets t
 WHERE t.received_at >= $1 AND t.received_at < $2
 GROUP BY GROUPING SETS ((), (t.channel), (t.kind), (t.category_code), (t.village_code), (t.village_code, t.category_code),
                         (t.department_code))`;

interface RawRow {
  g: number;
  channel: string | null;
  kind: string | null;
  category_code: string | null;
  village_code: string | null;
  department_code: string | null;
  received: number;
  closed: number;
  on_time: number;
  reply_decided: number;
  overdue_open: number;
  assigned: number;
  accepted_on_time: number;
  avg_first_response_hours: number | null;
  reached: number;
  resolved: number;
  satisfied: number;
  improper_returns: number | null;
}

// GROUPING(channel, kind, category, village, department): a bit set for each column NOT grouped.
const SET = { total: 31, channel: 15, kind: 23, category: 27, village: 29, villageCategory: 25, department: 30 } as const;

type Model = ReturnType<typeof buildNoticeModel>;

/**
 * Where the SQL figures and the notice's differ (empty when they agree): the baseline must compute
 * the same thing, or the ratio compares different work.
 */
export function compareFigures(raw: RawRow[], model: Model): string[] {
  const diffs: string[] = [];
  const eq = (what: string, sql: unknown, js: unknown) => {
    if (JSON.stringify(sql) !== JSON.stringify(js)) diffs.push(`${what}: SQL ${JSON.stringify(sql)} ≠ notice ${JSON.stringify(js)}`);
  };
  const rate = (n: number, d: number) => ({ numerator: n, denominator: d, value: d === 0 ? null : Math.round((n / d) * 10_000) / 10_000 });
  const of = (g: number) => raw.filter((r) => r.g === g);
  const total = of(SET.total)[0];
  const m = model.totals;
  eq('received', total.received, m.received);
  eq('closed', total.closed, m.closed);
  eq('onTime', total.on_time, m.onTime);
  eq('onTimeRate', rate(total.on_time, total.reply_decided), m.onTimeRate);
  eq('avgFirstResponseHours', total.avg_first_response_hours, m.avgFirstResponseHours);
  eq('responseRate', rate(total.accepted_on_time, total.assigned), m.responseRate);
  eq('resolutionRate', rate(total.resolved, total.reached), m.resolutionRate);
  eq('satisfactionRate', rate(total.satisfied, total.reached), m.satisfactionRate);
  const counts = (rows: { code: string | null; count: number | string }[]) =>
    Object.fromEntries(rows.filter((r) => r.count !== 0).map((r) => [String(r.code), r.count]));
  const sqlCounts = (g: number, key: keyof RawRow) => Object.fromEntries(of(g).map((r) => [String(r[key]), r.received]));
  const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  eq('byChannel', sorted(sqlCounts(SET.channel, 'channel')), sorted(counts(model.byChannel)));
  eq('byKind', sorted(sqlCounts(SET.kind, 'kind')), sorted(counts(model.byKind)));
  eq('byCategory', sorted(sqlCounts(SET.category, 'category_code')), sorted(counts(model.byCategory)));
  eq('byVillage', sorted(sqlCounts(SET.village, 'village_code')), sorted(counts(model.byVillage)));
  const cells = Object.fromEntries(
    of(SET.villageCategory).map((r) => [`${r.village_code}/${r.category_code}`, r.received > 0 && r.received < 3 ? '<3' : r.received]),
  );
  const modelCells = Object.fromEntries(model.byVillage.flatMap((v) => v.byCategory.map((c) => [`${v.code}/${c.code}`, c.count])));
  eq('byVillage cells', sorted(cells), sorted(modelCells));
  const depts = of(SET.department)
    .filter((r) => r.department_code !== null)
    .map((r) => ({
      code: r.department_code,
      received: r.received,
      closed: r.closed,
      onTime: r.on_time,
      onTimeRate: rate(r.on_time, r.reply_decided),
      overdueOpen: r.overdue_open,
      satisfactionRate: rate(r.satisfied, r.reached),
      improperReturns: r.improper_returns ?? 0,
    }))
    .sort((a, b) => ((a.code as string) < (b.code as string) ? -1 : 1));
  eq(
    'departments',
    depts,
    model.departments.map(({ name: _name, ...d }) => d).sort((a, b) => (a.code < b.code ? -1 : 1)),
  );
  return diffs;
}

// ---------------------------------------------------------------------------------------------
// The measurement

const elapsed = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * The notice's own way to its figures, as generateNotice does it: noticeFigureRows with the
 * catalogue in parallel, then noticeModelFromFigures with an empty case list (the figures part of
 * the model). With `withCases`, the lean case list is loaded alongside and the whole model built.
 */
async function noticeFigures(pool: pg.Pool, month: string, now: Date, withCases: boolean) {
  const { from, to } = monthRange(month);
  const t0 = process.hrtime.bigint();
  const [figureRows, cases, departments, categories] = await Promise.all([
    noticeFigureRows(pool, from, to, now),
    withCases ? loadNoticeCases(pool, from, to) : [],
    listDepartments(pool),
    listCategories(pool),
  ]);
  const loadMs = elapsed(t0);
  const model = noticeModelFromFigures({ month, figureRows, cases, now, departments, categories, nextSteps: null });
  return { ms: elapsed(t0), loadMs, buildMs: elapsed(t0) - loadMs, model };
}

/** The former path, kept as the reference: the month's full rows, then buildNoticeModel in JS. */
async function rowsModel(pool: pg.Pool, month: string, now: Date) {
  const { from, to } = monthRange(month);
  const t0 = process.hrtime.bigint();
  const [tickets, departments, categories] = await Promise.all([loadNoticeTickets(pool, from, to), listDepartments(pool), listCategories(pool)]);
  const model = buildNoticeModel({ month, tickets, now, departments, categories, nextSteps: null });
  return { ms: elapsed(t0), model };
}

export async function measureNotice(ctx: BenchContext, opts: { perMonth?: number; months?: number } = {}): Promise<{ rows: Row[]; raw: unknown }> {
  const perMonth = opts.perMonth ?? 100_000;
  const months = opts.months ?? 10;
  ctx.log(`notice: seeding ${(perMonth * months).toLocaleString('en')} tickets over ${months} months, with their timelines`);
  const seed = await seedNoticeTickets(ctx.db.pool, { perMonth, months, monthsBack: 3, now: new Date() });
  ctx.log(
    `notice: seeded in ${(seed.seedMs / 1000).toFixed(1)} s (${Object.entries(seed.phases).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}); ` +
      `${seed.tableTickets.toLocaleString('en')} tickets in the table, ${seed.monthTickets.toLocaleString('en')} in ${seed.month}, ${seed.events.toLocaleString('en')} events`,
  );
  const { from, to } = monthRange(seed.month);
  // The API's pool size; generateNotice runs in the API (an admin's POST) or the workers (the 1st).
  const pool = new pg.Pool({ connectionString: ctx.db.url, max: 10 });
  const deps = serviceDeps({ db: pool, clock: systemClock, log: silent, config: loadConfig({ ...ctx.serverEnv, LOG_LEVEL: 'silent' }) });
  const { rows: jit } = await pool.query<{ jit: string }>("SELECT current_setting('jit') AS jit");
  // The same pair with PostgreSQL's JIT compilation off on both sides (it is on by default, and
  // costs the aggregate query more than the notice's row load: see bench/README.md).
  const noJit = new pg.Pool({ connectionString: ctx.db.url, max: 4, options: '-c jit=off' });
  const raw = async (sql: string, on = pool, now = new Date()) => {
    const t0 = process.hrtime.bigint();
    const { rows } = await on.query<RawRow>(sql, sql === RAW_FIGURES_SQL ? [from, to, now] : [from, to]);
    return { ms: elapsed(t0), rows };
  };
  try {
    // Warm-up (caches, connections), and the check that the baseline computes the notice's figures
    // and that the production path gives the same model as buildNoticeModel over the month's rows.
    await raw(RAW_FIGURES_SQL);
    await raw(RAW_FIGURES_SQL, noJit);
    await noticeFigures(noJit, seed.month, new Date(), false);
    // One `now` for all three, so that "overdue" means the same in each.
    const checkNow = new Date();
    const check = await raw(RAW_FIGURES_SQL, pool, checkNow);
    const reference = await rowsModel(pool, seed.month, checkNow);
    const full = await noticeFigures(pool, seed.month, checkNow, true);
    const figuresOnly = await noticeFigures(pool, seed.month, checkNow, false);
    const diffs = [
      ...compareFigures(check.rows, full.model),
      ...(JSON.stringify(reference.model) === JSON.stringify(full.model) ? [] : ['the SQL-figures model differs from buildNoticeModel over the rows']),
      ...(JSON.stringify({ ...full.model, cases: [] }) === JSON.stringify(figuresOnly.model) ? [] : ['figures without the case list differ']),
    ];
    const cases = full.model.cases.length;
    const modelMb = Buffer.byteLength(JSON.stringify(full.model)) / 1e6;
    if (diffs.length) ctx.log(`notice: the raw SQL and the notice disagree — ${diffs.slice(0, 3).join('; ')}`);

    const rounds = ctx.quick ? 3 : 5;
    const r = {
      headline: [] as number[], sql: [] as number[], agg: [] as number[], aggLoad: [] as number[], build: [] as number[],
      buildLoad: [] as number[], buildOnly: [] as number[], whole: [] as number[], ratio: [] as number[],
      sqlNoJit: [] as number[], aggNoJit: [] as number[], ratioNoJit: [] as number[], former: [] as number[],
    };
    for (let i = 0; i < rounds; i++) {
      // (a) then (b) back to back, so that drift cancels within each pair; then the rest.
      const a = await raw(RAW_FIGURES_SQL);
      const b = await noticeFigures(pool, seed.month, new Date(), false);
      r.sql.push(a.ms);
      r.agg.push(b.ms);
      r.aggLoad.push(b.loadMs);
      r.ratio.push(b.ms / a.ms);
      const a2 = await raw(RAW_FIGURES_SQL, noJit);
      const b2 = await noticeFigures(noJit, seed.month, new Date(), false);
      r.sqlNoJit.push(a2.ms);
      r.aggNoJit.push(b2.ms);
      r.ratioNoJit.push(b2.ms / a2.ms);
      r.headline.push((await raw(RAW_HEADLINE_SQL)).ms);
      r.former.push((await rowsModel(pool, seed.month, new Date())).ms);
      const f = await noticeFigures(pool, seed.month, new Date(), true);
      r.build.push(f.ms);
      r.buildLoad.push(f.loadMs);
      r.buildOnly.push(f.buildMs);
      const t0 = process.hrtime.bigint();
      await generateNotice(deps, 'bench', seed.month);
      r.whole.push(elapsed(t0));
      ctx.log(
        `notice: round ${i + 1}/${rounds}: raw SQL ${a.ms.toFixed(0)} ms, notice aggregates ${b.ms.toFixed(0)} ms ` +
          `(${(b.ms / a.ms).toFixed(2)}×), whole notice ${(r.whole[i] / 1000).toFixed(2)} s`,
      );
    }
    const sql = median(r.sql);
    const agg = median(r.agg);
    const ratio = median(r.ratio);
    const whole = median(r.whole);
    const load = median(r.aggLoad);
    const store = whole - median(r.build);
    const same = diffs.length === 0;
    return {
      rows: [
        {
          id: 'notice_aggregates',
          figure: `notice aggregates: ${seed.monthTickets.toLocaleString('en')} of ${seed.tableTickets.toLocaleString('en')} tickets`,
          measured: `${agg.toFixed(0)} ms`,
          baseline: `${sql.toFixed(0)} ms (raw SQL)`,
          ratio,
          target: '≤ 2×',
          pass: ratio <= 2 && same,
          note:
            `noticeFigureRows (one GROUPING SETS query) ${load.toFixed(0)} ms + the model's figures in JS ${(agg - load).toFixed(0)} ms, against ` +
            `the raw GROUP BY (${same ? 'checked equal, and the model equal to buildNoticeModel over the rows' : `DIFFERENT: ${diffs.slice(0, 2).join('; ')}`}); ` +
            `the former path (the month's rows, figures in JS): ${median(r.former).toFixed(0)} ms; ` +
            `the headline counts alone, without the timelines: ${median(r.headline).toFixed(0)} ms; jit ${jit[0].jit}; ` +
            `with jit off on both sides: ${median(r.aggNoJit).toFixed(0)} ms vs ${median(r.sqlNoJit).toFixed(0)} ms (${median(r.ratioNoJit).toFixed(2)}×)`,
        },
        {
          id: 'notice_whole',
          figure: `whole notice with its ${cases.toLocaleString('en')}-case list`,
          measured: `${(whole / 1000).toFixed(2)} s`,
          baseline: '—',
          ratio: null,
          target: '≤ 10 s',
          pass: whole <= 10_000,
          note:
            `generateNotice end to end: figures + lean case list loaded ${median(r.buildLoad).toFixed(0)} ms, model with the case list ${median(r.buildOnly).toFixed(0)} ms, ` +
            `storing the ${modelMb.toFixed(1)} MB revision ≈ ${store.toFixed(0)} ms; slowest round ${(Math.max(...r.whole) / 1000).toFixed(2)} s; ` +
            `seeded in ${(seed.seedMs / 1000).toFixed(1)} s`,
        },
      ],
      raw: { seed, rounds: r, cases, modelMb, jit: jit[0].jit, figuresMatch: same, diffs },
    };
  } finally {
    await pool.end();
    await noJit.end();
  }
}
