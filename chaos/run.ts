// `npm run chaos [-- --quick] [-- --only=s1,s3]`: the fault-injection harness (issue 10). It starts
// a throwaway PostgreSQL cluster and Redis server on free ports, a fake SMS gateway, and the system
// as real processes (`--role api`, `--role worker`, all-in-one), then runs each scenario, prints a
// table (scenario, figure, value, bar, result) and writes chaos/results/<date>[-quick].json. Exit
// code 1 when any figure misses its bar. Whatever it started is stopped on every way out.
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cleanupAll, installTeardown } from './lib/cleanup.js';
import { startCluster } from './lib/postgres.js';
import { startRedis } from './lib/redis.js';
import { startSmsGateway } from './lib/sms-gateway.js';
import { System } from './lib/system.js';
import { AdminSession } from './lib/client.js';
import { LADDERS, shortPolicy } from './lib/ladders.js';
import { Figures, formatTable, writeResults, type ScenarioReport } from './lib/report.js';
import { CHAOS_DIR, log, withTimeout } from './lib/util.js';
import type { Ctx, Scenario } from './scenarios/context.js';
import { sigkill } from './scenarios/sigkill.js';
import { pgRestart } from './scenarios/pg-restart.js';
import { redisStop } from './scenarios/redis-stop.js';
import { redisFlush } from './scenarios/redis-flush.js';
import { workerKill } from './scenarios/worker-kill.js';

const SCENARIOS: Scenario[] = [sigkill, pgRestart, redisStop, redisFlush, workerKill];

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const unknown = argv.filter((a) => a !== '--quick' && !a.startsWith('--only='));
if (unknown.length || only?.some((id) => !SCENARIOS.some((s) => s.id === id))) {
  console.error(`usage: npm run chaos [-- --quick] [-- --only=${SCENARIOS.map((s) => s.id).join(',')}]`);
  process.exit(2);
}
const selected = SCENARIOS.filter((s) => !only || only.includes(s.id));

/** Hard limits: a scenario that overruns is reported as failed; the watchdog ends the whole run. */
const SCENARIO_TIMEOUT_MS = quick ? 150_000 : 600_000;
installTeardown(quick ? 6 * 60_000 : 40 * 60_000);

/** The environment of the system's processes: ours only, never the caller's DATABASE_URL/REDIS_URL. */
function systemEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(DATABASE_URL|MIGRATION_DATABASE_URL|REDIS_URL|PORT|HOST|EMBEDDED_PG_.*|QUEUE_.*|SMS_.*|WECOM_.*|LOG_LEVEL|PUBLIC_.*|SESSION_SECRET|BOOTSTRAP_ADMIN_PASSWORD)$/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

async function main(): Promise<number> {
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const logsDir = path.join(CHAOS_DIR, 'logs', `${stamp}${quick ? '-quick' : ''}`);
  mkdirSync(logsDir, { recursive: true });
  log(`${quick ? 'quick' : 'full'} run: ${selected.map((s) => s.id).join(', ')}; logs in ${path.relative(process.cwd(), logsDir)}`);

  const gateway = await startSmsGateway();
  const cluster = await startCluster();
  await cluster.createDatabase('huiying');
  const redis = await startRedis(path.join(logsDir, 'redis.log'));
  log(`PostgreSQL ${cluster.version} on ${cluster.port}, Redis ${redis.version} on ${redis.port}, SMS gateway at ${gateway.url}`);

  const adminPassword = `chaos-${randomBytes(9).toString('base64url')}`;
  const system = new System({
    logsDir,
    env: systemEnv({
      DATABASE_URL: cluster.url('huiying'),
      REDIS_URL: redis.url,
      HOST: '127.0.0.1',
      SMS_PROVIDER: 'http',
      SMS_HTTP_URL: gateway.url,
      BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'info',
      PUBLIC_LOOKUP_RATE_LIMIT: '100000',
      // A killed worker's jobs come back after this lease (the README's knob), not the 30 s default.
      QUEUE_LOCK_MS: '8000',
      // The outbox reconciler republishes an effect still missing this long after it was due (the
      // README's knob; default 60 s): within the scenarios' 40 s horizon after a FLUSHALL.
      QUEUE_RECONCILE_MS: '15000',
    }),
  });
  await system.init();
  // The first process migrates and creates `admin`; the other two then start side by side.
  await system.start(['all']);
  await system.start(['api', 'worker']);
  log('system up: api, worker, all-in-one');

  const admin = new AdminSession(system.baseUrl('all'));
  await admin.login(adminPassword);
  const key = await admin.call<{ key: string }>('POST', '/admin/api-keys', { name: 'chaos harness', scopes: ['intake:api'] });
  const ladders = LADDERS[quick ? 'quick' : 'full'];
  const policy = await admin.call<Record<string, unknown>>('GET', '/admin/sla');
  await admin.call('PUT', '/admin/sla', shortPolicy(policy, ladders));

  const ctx: Ctx = {
    quick, runTag: randomBytes(3).toString('hex'), cluster, db: cluster.pool('huiying'), redis, gateway, system,
    token: key.key, ladders, log, logsDir,
  };
  const reports: ScenarioReport[] = [];
  for (const s of selected) {
    const f = new Figures(s.id);
    const t0 = Date.now();
    log(`${s.id}: ${s.name}`);
    let error: string | undefined;
    try {
      if (!redis.running()) await redis.start();
      // Each scenario starts from a working system: what an earlier one left dead or unresponsive
      // is started afresh (and said so), so its figures are about its own fault only.
      for (const role of ['api', 'all'] as const) {
        if (system.alive(role) && !(await system.answers(role))) {
          f.note(`before ${s.id}: the ${role === 'all' ? 'all-in-one' : 'api'} process left by the previous scenario did not answer /readyz in 5 s; restarted`);
          await system.kill(role);
        }
      }
      await system.ensureUp();
      await withTimeout(s.run(ctx, f), SCENARIO_TIMEOUT_MS, s.id);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      f.yes('scenario ran to the end', false, 'no');
      f.note(`error: ${error}`);
      log(`${s.id}: ERROR ${error}`);
    }
    reports.push({ id: s.id, name: s.name, durationS: Math.round((Date.now() - t0) / 100) / 10, figures: f.list, evidence: f.evidence, error });
    log(`${s.id}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }

  await system.stopAll();
  cluster.saveLog(path.join(logsDir, 'postgres.log'));
  const figures = reports.flatMap((r) => r.figures);
  const passed = figures.every((x) => x.pass !== false);
  const table = formatTable(figures);
  console.log(`\n${table}\n`);
  for (const r of reports) {
    console.log(`${r.id} ${r.name}: ${r.durationS} s`);
    for (const e of r.evidence) console.log(`  - ${e}`);
  }
  const durationS = Math.round((Date.now() - started.getTime()) / 1000);
  const out = {
    date: started.toISOString(),
    mode: quick ? 'quick' : 'full',
    durationS,
    passed,
    failed: figures.filter((x) => x.pass === false).map((x) => `${x.scenario}: ${x.figure} = ${x.value} (bar ${x.bar})`),
    machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100), node: process.version },
    versions: { postgres: cluster.version, redis: redis.version },
    settings: { QUEUE_LOCK_MS: 8000, QUEUE_RECONCILE_MS: 15000, ladders },
    logs: path.relative(process.cwd(), logsDir),
    scenarios: reports,
    table: table.split('\n'),
  };
  if (only) {
    log(`--only: results not written (${durationS} s in all)`);
  } else {
    const file = writeResults(path.join(CHAOS_DIR, 'results'), `${started.toISOString().slice(0, 10)}${quick ? '-quick' : ''}.json`, out);
    log(`results written to ${path.relative(process.cwd(), file)}`);
  }
  log(`${passed ? 'every figure at its bar' : `${out.failed.length} figure(s) off their bar`} (${durationS} s in all)`);
  return passed ? 0 : 1;
}

main()
  .then((code) => {
    cleanupAll();
    process.exit(code);
  })
  .catch((err) => {
    console.error(`[chaos] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    cleanupAll();
    process.exit(1);
  });
