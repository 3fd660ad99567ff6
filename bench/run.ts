// `npm run bench [-- --quick] [-- --soak] [-- --scale [--sizes=300000,1000000,3000000]]`: the performance bars of SPEC §14, measured side by side
// with baselines run in the same invocation on the same machine (absolute figures drift ±30 % here,
// ratios far less). See bench/README.md for what each figure means and what was found.
import os from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createBenchDb, reachable, DEFAULT_SERVER_URL, type BenchDb } from './lib/db.js';
import { BENCH_DIR, startChild, type Child } from './lib/proc.js';
import type { BenchContext, Row } from './lib/types.js';
import { clerkSessionOrLogin, measureLookup, measureRegistration } from './measure/http.js';
import { measureUploads } from './measure/uploads.js';
import { measureSweeper } from './measure/sweeper.js';
import { measureLateness } from './measure/lateness.js';
import { measureCatchUp } from './measure/catch-up.js';
import { measureSoak } from './measure/soak.js';
import { measureNotice } from './measure/notice.js';
import { measureScale } from './measure/scale.js';
import { measureLedger } from './measure/ledger.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const soak = args.has('--soak');
const scale = args.has('--scale');
// --scale measures only the county-level city's years (long: see bench/README.md); --sizes= changes the steps.
const sizes = (process.argv.find((a) => a.startsWith('--sizes='))?.slice(8) ?? '300000,1000000,3000000').split(',').map(Number);
const only = scale ? ['scale'] : process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const runs = (name: string) => !only || only.includes(name);

const started = Date.now();
const log = (msg: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

async function redisInfo(url: string): Promise<string | null> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    const info = await r.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return null;
  } finally {
    r.disconnect();
  }
}

async function deleteKeys(url: string, match: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [c, keys] = await r.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = c;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

function pad(s: string, n: number): string {
  // CJK and symbols are wide enough here to ignore: the figures column is ASCII.
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function printTable(rows: Row[]): void {
  const head = ['figure', 'measured', 'baseline', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [
    r.figure,
    r.measured,
    r.baseline,
    r.ratio === null ? '—' : r.ratio.toFixed(2),
    r.target,
    r.pass === null ? 'n/a' : r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => pad(x, widths[i])).join(' | ')} |`;
  console.log('');
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    console.log('');
    for (const r of notes) console.log(`  ${r.id}: ${r.note}`);
  }
  console.log('');
}

async function main(): Promise<number> {
  const serverUrl = process.env.DATABASE_URL || DEFAULT_SERVER_URL;
  const pgProblem = await reachable(serverUrl);
  if (pgProblem) {
    console.error(
      process.env.DATABASE_URL
        ? `bench: cannot reach PostgreSQL at DATABASE_URL (${pgProblem}).`
        : `bench: DATABASE_URL is not set and no PostgreSQL answers at ${DEFAULT_SERVER_URL} (${pgProblem}). ` +
            'Start one or set DATABASE_URL to a server the bench may create a database on.',
    );
    return 2;
  }
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const redisVersion = await redisInfo(redisUrl);
  if (!redisVersion) log(`no Redis at ${redisUrl}: the rate limiter uses its in-memory store and the workers BullMQ's PostgreSQL backend`);

  log(`mode: ${quick ? 'quick' : 'full'}${soak ? ' + soak' : ''}; creating the bench database`);
  const db: BenchDb = await createBenchDb(serverUrl);
  const children: Child[] = [];
  const onSignal = () => {
    void (async () => {
      for (const c of children) await c.stop().catch(() => undefined);
      await db.drop().catch(() => undefined);
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const ctx: BenchContext = {
    db,
    quick,
    rounds: quick ? 2 : 3,
    durationS: quick ? 4 : 10,
    warmupS: quick ? 2 : 3,
    connections: 10,
    redisUrl: redisVersion ? redisUrl : undefined,
    serverEnv: {
      DATABASE_URL: db.url,
      ...(redisVersion ? { REDIS_URL: redisUrl } : { REDIS_URL: '' }),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      TRUST_PROXY: 'false',
      PUBLIC_LOOKUP_RATE_LIMIT: '100000',
      SESSION_SECRET: randomBytes(32).toString('hex'),
      QUEUE_PREFIX: 'hybench',
      SMS_PROVIDER: 'log',
    },
    log,
  };
  log(`database ${db.name} migrated, default catalogue loaded (PostgreSQL ${db.serverVersion}, Redis ${redisVersion ?? 'none'})`);

  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  try {
    if (runs('registration') || runs('lookup') || soak) {
      const api = await startChild('api.ts', ctx.serverEnv);
      children.push(api);
      const baseline = await startChild('baseline.ts', { DATABASE_URL: db.url });
      children.push(baseline);
      const ports = { api: api.ready.port as number, baseline: baseline.ready.port as number, apiPid: api.pid, baselinePid: baseline.pid };
      let capacity = 0;
      if (runs('registration') || soak) {
        const r = await measureRegistration(ctx, ports);
        rows.push(...r.rows);
        raw.registration = r.raw;
        capacity = r.capacity;
      }
      if (runs('lookup')) {
        const clearRateLimit = async () => {
          if (ctx.redisUrl) await deleteKeys(ctx.redisUrl, 'hy-rl:GET/api/v1/public/tickets/:ticketNo-127.0.0.1');
        };
        const r = await measureLookup(ctx, ports, quick ? 5000 : 20_000, clearRateLimit);
        rows.push(...r.rows);
        raw.lookup = r.raw;
      }
      if (soak) {
        const session = await clerkSessionOrLogin(ctx, ports.api);
        const r = await measureSoak(ctx, { port: ports.api, pid: api.pid }, session, capacity, Number(process.env.BENCH_SOAK_S ?? 600));
        rows.push(...r.rows);
        raw.soak = r.raw;
      } else {
        rows.push({
          id: 'soak_rss', figure: 'API RSS over a 10-min soak at half capacity', measured: 'not run', baseline: '—',
          ratio: null, target: 'within ±10 %', pass: null, note: 'run with --soak (10 minutes)',
        });
      }
      await baseline.stop();
      await api.stop();
    }
    if (runs('sweeper')) {
      const r = await measureSweeper(ctx, Number(process.env.BENCH_SWEEP_STEPS ?? 100_000));
      rows.push(...r.rows);
      raw.sweeper = r.raw;
    }
    if (runs('lateness')) {
      const r = await measureLateness(ctx, 1000, async (prefix) => {
        if (ctx.redisUrl) await deleteKeys(ctx.redisUrl, `${prefix}:*`);
      });
      rows.push(...r.rows);
      raw.lateness = r.raw;
    }
    if (runs('catch-up')) {
      const r = await measureCatchUp(ctx, 200, async (prefix) => {
        if (ctx.redisUrl) await deleteKeys(ctx.redisUrl, `${prefix}:*`);
      });
      rows.push(...r.rows);
      raw.catchUp = r.raw;
    }
    if (scale) {
      const r = await measureScale(ctx, sizes);
      rows.push(...r.rows);
      raw.scale = r.raw;
    }
    if (runs('uploads')) {
      const r = await measureUploads(ctx);
      rows.push(...r.rows);
      raw.uploads = r.raw;
    }
    if (runs('ledger')) {
      const r = await measureLedger(ctx, Number(process.env.BENCH_LEDGER_ROWS ?? 10_000));
      rows.push(...r.rows);
      raw.ledger = r.raw;
    }
    if (runs('notice')) {
      const r = await measureNotice(ctx);
      rows.push(...r.rows);
      raw.notice = r.raw;
    }
  } finally {
    for (const c of children) await c.stop().catch(() => undefined);
    // BENCH_KEEP_DB=1 leaves the seeded database for profiling (its name is logged; drop it by hand).
    if (process.env.BENCH_KEEP_DB === '1') log(`BENCH_KEEP_DB: ${db.name} kept`);
    else await db.drop();
  }

  printTable(rows);
  const date = new Date().toISOString().slice(0, 10);
  const out = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    soak,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: db.serverVersion,
      redis: redisVersion,
    },
    settings: { rounds: ctx.rounds, durationS: ctx.durationS, warmupS: ctx.warmupS, connections: ctx.connections, apiLogLevel: ctx.serverEnv.LOG_LEVEL },
    rows,
    raw,
    elapsedS: Math.round((Date.now() - started) / 1000),
  };
  if (only && !scale) {
    // A partial run (profiling one figure) must not replace the day's record.
    log(`--only: results not written (${out.elapsedS} s in all)`);
  } else {
    const dir = path.join(BENCH_DIR, 'results');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${date}${scale ? `-scale-${sizes.at(-1)}` : quick ? '-quick' : ''}.json`);
    await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
    log(`results written to ${path.relative(process.cwd(), file)} (${out.elapsedS} s in all)`);
  }
  return rows.some((r) => r.pass === false) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
