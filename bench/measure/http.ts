// Registration and public lookup against the bare Fastify + pg baselines, in alternation:
// baseline, real, baseline, real … with the same autocannon settings; each figure is the median
// over the rounds, each ratio the median of the per-round ratios (a round's pair ran back to back,
// so machine drift cancels out of it).
import { randomInt } from 'node:crypto';
import type { Pool } from 'pg';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { serviceDeps } from '../../src/runtime.js';
import { createUser } from '../../src/services/users.service.js';
import { generateTicketNo } from '../../src/domain/ticket-number.js';
import { runLoad, median, type LoadOptions, type LoadResult } from '../lib/load.js';
import type { BenchContext, Row } from '../lib/types.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

// Realistic demands, each with the category a clerk would file it under.
const DEMANDS: [string, string][] = [
  ['村东头的水泥路塌了一个大坑，晚上骑电动车的人已经摔了两个，请尽快修补', 'road'],
  ['我们组的路灯坏了快一个月了，晚上出门一片黑，老人小孩很不安全', 'road'],
  ['这几天自来水水压很低，三楼以上基本没水，做饭洗衣都成问题', 'drinking_water'],
  ['自来水有一股怪味，颜色发黄，担心水质有问题，请派人检测', 'drinking_water'],
  ['我家今年的耕地地力保护补贴到现在还没发到一卡通上，请帮忙查一下', 'agri_subsidy'],
  ['母亲八十多岁独居，申请高龄补贴材料交上去两个月了没有回音', 'elderly'],
  ['在工地干了半年活，老板拖欠工资三万多元一直不给，电话也不接', 'wages'],
  ['邻居盖房占了我家的宅基地边界，多次协商不成，请村里出面调解', 'dispute'],
  ['村口养殖场臭味很大，夏天苍蝇成群，污水直接排进小河里', 'pollution'],
  ['垃圾桶满了好几天没人清运，天热了臭气熏天，请安排清运', 'sanitation'],
  ['昨天下午开始停电，到现在还没来电，冰箱里的东西都坏了', 'power'],
  ['家里困难，丈夫生病不能干活，想申请低保不知道需要什么材料', 'dibao'],
  ['学校门口的校车超载，孩子们挤在车里很危险，希望管一管', 'education'],
  ['村后山坡下雨后有滑坡的迹象，下面住着几户人家，存在安全隐患', 'safety'],
  ['小卖部卖过期食品，孩子吃了拉肚子，老板还不承认', 'market'],
  ['水渠被堵住了，下面的田灌不上水，秧苗都快干死了', 'irrigation'],
];
const VILLAGES = ['dongshan', 'xihe', 'nanling', 'beiyuan'];
const OPENERS = ['', '您好，', '我是村民，', '反映个问题：', '麻烦领导看一下，', '我想问一下，'];
const CLOSERS = ['', '。', '，谢谢！', '，已经反映过N次了。', '，希望N天内给个答复。', '，请尽快处理。'];
const NAMES = ['王建国', '李秀英', '张伟', '刘芳', '陈明', '杨丽', '赵强', '黄桂兰'];

function pick<T>(xs: readonly T[]): T {
  return xs[randomInt(0, xs.length)];
}

function phone(): string {
  return `13${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`;
}

export function registrationBody(): string {
  const [text, categoryCode] = pick(DEMANDS);
  const village = pick(VILLAGES);
  // No two residents word a demand alike: a detail before and after the text.
  const content = `${pick(OPENERS)}${text}${pick(CLOSERS).replace('N', String(randomInt(2, 9)))}`;
  return JSON.stringify({
    channel: pick(['phone', 'walk_in', 'phone', 'web']),
    kind: pick(['help', 'complaint', 'suggest', 'consult', 'help']),
    content,
    complainant: { name: pick(NAMES), phone: phone() },
    villageCode: village,
    address: `${village}村${randomInt(1, 12)}组${randomInt(1, 80)}号`,
    categoryCode,
  });
}

type Load = Omit<LoadOptions, 'connections' | 'durationS'>;

/**
 * baseline, real, baseline, real …; with `also`, each round also loads the other baselines right
 * before the real one (registration: the single-INSERT route and the same-work route).
 */
async function alternate(
  ctx: BenchContext,
  label: string,
  baseline: Load,
  real: Load,
  between?: () => Promise<void>,
  also: Load[] = [],
): Promise<{ base: LoadResult[]; real: LoadResult[]; also: LoadResult[][] }> {
  const opts = { connections: ctx.connections };
  ctx.log(`${label}: warm-up`);
  for (const b of [baseline, ...also]) await runLoad({ ...b, ...opts, durationS: ctx.warmupS });
  await between?.();
  await runLoad({ ...real, ...opts, durationS: ctx.warmupS });
  const out = { base: [] as LoadResult[], real: [] as LoadResult[], also: also.map(() => [] as LoadResult[]) };
  for (let r = 0; r < ctx.rounds; r++) {
    await between?.();
    const b = await runLoad({ ...baseline, ...opts, durationS: ctx.durationS });
    for (const [i, a] of also.entries()) out.also[i].push(await runLoad({ ...a, ...opts, durationS: ctx.durationS }));
    await between?.();
    const x = await runLoad({ ...real, ...opts, durationS: ctx.durationS });
    out.base.push(b);
    out.real.push(x);
    const others = out.also.map((xs) => ` · other baseline ${xs[r].rps.toFixed(0)} req/s p99 ${xs[r].p99} ms`).join('');
    ctx.log(
      `${label} round ${r + 1}/${ctx.rounds}: baseline ${b.rps.toFixed(0)} req/s p99 ${b.p99} ms${others} · ` +
        `real ${x.rps.toFixed(0)} req/s p99 ${x.p99} ms · server CPU/req ${b.serverCpuUs?.toFixed(0)} µs vs ${x.serverCpuUs?.toFixed(0)} µs${x.non2xx || x.errors ? ` (non-2xx ${x.non2xx} ${JSON.stringify(x.statusCodes)}, errors ${x.errors})` : ''}`,
    );
  }
  return out;
}

function rows(
  id: string,
  name: string,
  r: { base: LoadResult[]; real: LoadResult[] },
  target: { rps: number; p99: number } | null,
): { rows: Row[]; raw: unknown } {
  const rpsRatio = median(r.real.map((x, i) => x.rps / r.base[i].rps));
  // p99 of 0 ms cannot be divided by: count it as the histogram's 1 ms resolution.
  const p99Ratio = median(r.real.map((x, i) => Math.max(x.p99, 1) / Math.max(r.base[i].p99, 1)));
  const failures = r.real.reduce((n, x) => n + x.non2xx + x.errors, 0);
  // A baseline that failed measured nothing: its ratio must not pass.
  const baseFailures = r.base.reduce((n, x) => n + x.non2xx + x.errors, 0);
  const cpu = (xs: LoadResult[]) => median(xs.map((x) => x.serverCpuUs ?? NaN)).toFixed(0);
  const note =
    `server process CPU per request: real ${cpu(r.real)} µs vs baseline ${cpu(r.base)} µs` +
    (failures > 0 ? `; ${failures} non-2xx/errors in the measured rounds` : '') +
    (baseFailures > 0 ? `; the BASELINE answered ${baseFailures} non-2xx/errors: no valid ratio` : '');
  const fmt = (xs: number[], d = 0) => median(xs).toFixed(d);
  return {
    rows: [
      {
        id: `${id}.rps`,
        figure: `${name}: req/s`,
        measured: `${fmt(r.real.map((x) => x.rps))} req/s`,
        baseline: `${fmt(r.base.map((x) => x.rps))} req/s`,
        ratio: rpsRatio,
        target: target ? `≥ ${target.rps.toFixed(2)}` : 'reported',
        pass: target ? rpsRatio >= target.rps && failures === 0 && baseFailures === 0 : null,
        note,
      },
      {
        id: `${id}.p99`,
        figure: `${name}: p99 latency`,
        measured: `${fmt(r.real.map((x) => x.p99))} ms (p50 ${fmt(r.real.map((x) => x.p50))})`,
        baseline: `${fmt(r.base.map((x) => x.p99))} ms (p50 ${fmt(r.base.map((x) => x.p50))})`,
        ratio: p99Ratio,
        target: target ? `≤ ${target.p99}×` : 'reported',
        pass: target ? p99Ratio <= target.p99 && baseFailures === 0 : null,
      },
    ],
    raw: r,
  };
}

export async function clerkSession(ctx: BenchContext, apiPort: number): Promise<Record<string, string>> {
  const password = 'bench-password-123';
  const config = loadConfig({ ...ctx.serverEnv, LOG_LEVEL: 'silent' });
  await createUser(serviceDeps({ db: ctx.db.pool, clock: systemClock, log: silent, config }), 'bench', {
    username: 'bench.clerk',
    password,
    displayName: '压测登记员',
    roles: ['clerk'],
  });
  const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench.clerk', password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = /hy_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  if (!cookie) throw new Error('login gave no session cookie');
  return { cookie: `hy_session=${cookie}`, 'x-csrf-token': csrfToken };
}

/** A session of bench.clerk: a fresh login when an earlier phase created the user, else created now. */
export async function clerkSessionOrLogin(ctx: BenchContext, port: number): Promise<Record<string, string>> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench.clerk', password: 'bench-password-123' }),
  });
  if (res.status !== 200) return clerkSession(ctx, port);
  const cookie = /hy_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie: `hy_session=${cookie}`, 'x-csrf-token': csrfToken };
}

export async function measureRegistration(
  ctx: BenchContext,
  ports: { api: number; baseline: number; apiPid: number; baselinePid: number },
): Promise<{ rows: Row[]; raw: unknown; capacity: number }> {
  const session = await clerkSession(ctx, ports.api);
  // Check one request end to end before loading it.
  const probe = await fetch(`http://127.0.0.1:${ports.api}/api/v1/tickets`, {
    method: 'POST',
    headers: { ...session, 'content-type': 'application/json', 'idempotency-key': `bench-probe-${process.pid}` },
    body: registrationBody(),
  });
  if (probe.status !== 201) throw new Error(`registration probe failed: ${probe.status} ${await probe.text()}`);
  let n = 0;
  // SPEC §14: the bar is against the same-work baseline (the same writes by hand in one
  // transaction); the single-INSERT ratio is reported beside it.
  const sameWork: Load = { port: ports.baseline, serverPid: ports.baselinePid, method: 'POST', next: () => ({ path: '/register', body: registrationBody() }) };
  const r = await alternate(
    ctx,
    'registration',
    sameWork,
    {
      port: ports.api,
      serverPid: ports.apiPid,
      method: 'POST',
      next: () => ({
        path: '/api/v1/tickets',
        headers: { ...session, 'idempotency-key': `bench-${process.pid}-${++n}` },
        body: registrationBody(),
      }),
    },
    undefined,
    [{ port: ports.baseline, serverPid: ports.baselinePid, method: 'POST', next: () => ({ path: '/insert', body: registrationBody() }) }],
  );
  await ctx.db.pool.query(`DELETE FROM outbox WHERE topic = 'bench_same_work'`);
  const out = rows('registration', 'registration POST /api/v1/tickets vs same-work baseline', r, { rps: 0.6, p99: 2 });
  const single = rows('registration_insert', 'registration vs single-INSERT baseline', { base: r.also[0], real: r.real }, null);
  return { rows: [...out.rows, ...single.rows], raw: r, capacity: median(r.real.map((x) => x.rps)) };
}

/**
 * Existing tickets for the lookups: in progress, received 1–60 days ago, due in 2–30 days (so none has
 * a ladder step due: the sweeper measurement later counts only its own), each with a public
 * timeline of 3 events, half verified by phone and half by access code.
 */
export async function seedLookupPool(pool: Pool, count: number): Promise<{ no: string; verify: string }[]> {
  const now = Date.now();
  const seen = new Set<string>();
  const items: { no: string; verify: string; phone: string | null; code: string | null; at: Date }[] = [];
  while (items.length < count) {
    const at = new Date(now - randomInt(1, 60) * 86_400_000);
    const no = generateTicketNo(at, String(randomInt(0, 1_000_000)).padStart(6, '0'));
    if (seen.has(no)) continue;
    seen.add(no);
    const p = items.length % 2 === 0 ? phone() : null;
    const code = p ? null : String(randomInt(0, 1_000_000)).padStart(6, '0');
    items.push({ no, verify: p ? p.slice(-4) : code!, phone: p, code, at });
  }
  const cats = DEMANDS.map(([, c]) => c);
  for (let i = 0; i < items.length; i += 5000) {
    const chunk = items.slice(i, i + 5000);
    await pool.query(
      `WITH t AS (
         INSERT INTO tickets (ticket_no, status, kind, channel, content, complainant_name, complainant_phone, village_code,
             category_code, department_code, access_code, received_at, registered_at, assigned_at, accepted_at, due_at,
             updated_at)
         SELECT x.no, 'in_progress', 'help', 'phone', x.content, '王建国', x.phone, 'xihe', x.cat, c.department_code, x.code,
                x.at, x.at, x.at + interval '1 hour', x.at + interval '2 hours', x.due, x.at
           FROM (SELECT u.*, now() + make_interval(days => 2 + abs(hashtext(u.no)) % 28) AS due
                   FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[])
                     AS u(no, phone, code, at, cat, content)) x
           JOIN categories c ON c.code = x.cat
         RETURNING id, received_at, assigned_at, accepted_at)
       INSERT INTO ticket_events (ticket_id, type, at, actor_label, public, data)
       SELECT t.id, e.type, e.at, '压测', true, '{}'::jsonb
         FROM t, LATERAL (VALUES ('registered', t.received_at), ('assigned', t.assigned_at), ('accepted', t.accepted_at)) AS e(type, at)`,
      [
        chunk.map((x) => x.no),
        chunk.map((x) => x.phone),
        chunk.map((x) => x.code),
        chunk.map((x) => x.at),
        chunk.map((_, k) => cats[(i + k) % cats.length]),
        chunk.map((_, k) => DEMANDS[(i + k) % DEMANDS.length][0]),
      ],
    );
  }
  await pool.query('ANALYZE tickets; ANALYZE ticket_events');
  return items.map(({ no, verify }) => ({ no, verify }));
}

export async function measureLookup(
  ctx: BenchContext,
  ports: { api: number; baseline: number; apiPid: number; baselinePid: number },
  poolSize: number,
  clearRateLimit: () => Promise<void>,
): Promise<{ rows: Row[]; raw: unknown }> {
  ctx.log(`lookup: seeding ${poolSize} tickets to look up`);
  const tickets = await seedLookupPool(ctx.db.pool, poolSize);
  const probe = await fetch(`http://127.0.0.1:${ports.api}/api/v1/public/tickets/${tickets[0].no}?verify=${tickets[0].verify}`);
  if (probe.status !== 200) throw new Error(`lookup probe failed: ${probe.status} ${await probe.text()}`);
  const r = await alternate(
    ctx,
    'lookup',
    { port: ports.baseline, serverPid: ports.baselinePid, method: 'GET', next: () => ({ path: `/select/${pick(tickets).no}` }) },
    {
      port: ports.api,
      serverPid: ports.apiPid,
      method: 'GET',
      next: () => {
        const t = pick(tickets);
        return { path: `/api/v1/public/tickets/${t.no}?verify=${t.verify}` };
      },
    },
    clearRateLimit,
  );
  return rows('lookup', 'public lookup GET /api/v1/public/tickets/:no vs SELECT baseline', r, { rps: 0.7, p99: 1.5 });
}
