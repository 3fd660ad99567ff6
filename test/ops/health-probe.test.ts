// The container health probes (Dockerfile HEALTHCHECK, compose healthcheck): the API's is /readyz on
// its own port; a worker's is the heartbeat file its relay touches after every successful pass —
// fresh while it works, stale when a pass cannot reach PostgreSQL, gone once it stopped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { AddressInfo } from 'node:net';
import { setupApp } from '../helpers/app.js';
import { setupWorkers, waitFor } from '../helpers/workers.js';
import { probeApi, probeHeartbeat, HEARTBEAT_MAX_AGE_MS } from '../../src/health-probe.js';
import { createPool } from '../../src/db/pool.js';
import { startRelay } from '../../src/queue/relay.js';
import { createQueueKit } from '../../src/queue/backend.js';
import { systemClock } from '../../src/clock.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hy-health-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

t.test('a running worker keeps its heartbeat fresh; a stopped one removes it', async (t) => {
  const file = path.join(dir, 'worker.heartbeat');
  const ctx = await setupApp(t);
  await t.test('running', async (t) => {
    await setupWorkers(t, ctx, { config: { HEARTBEAT_FILE: file } });
    await waitFor('the first heartbeat', async () => existsSync(file), 10_000);
    const now = new Date();
    t.ok(probeHeartbeat(file, now).ok, probeHeartbeat(file, now).detail);
    const later = probeHeartbeat(file, new Date(now.getTime() + HEARTBEAT_MAX_AGE_MS + 6_000));
    t.notOk(later.ok, 'a beat more than 30 s old is unhealthy');
    t.match(later.detail, /stuck or cannot reach PostgreSQL/);
  });
  t.notOk(existsSync(file), 'closing the workers removed the heartbeat');
  t.notOk(probeHeartbeat(file, new Date()).ok);
  t.match(probeHeartbeat(undefined, new Date()).detail, /HEARTBEAT_FILE is not set/);
});

t.test('the relay beats only after a pass that reached PostgreSQL', async (t) => {
  const ctx = await setupApp(t);
  const kit = createQueueKit({ redisUrl: undefined, databaseUrl: ctx.db.appUrl, prefix: 'hb', lockDurationMs: 30_000, onError: () => undefined });
  t.teardown(() => kit.close());
  const run = async (url: string): Promise<number> => {
    const pool = createPool(url, quiet, 'heartbeat-test', { max: 1 });
    let passes = 0;
    const relay = startRelay({ db: pool, clock: systemClock, log: quiet }, kit, { intervalMs: 20, onPass: () => passes++ });
    await new Promise((r) => setTimeout(r, 500));
    await relay.stop();
    await pool.end();
    return passes;
  };
  t.ok((await run(ctx.db.appUrl)) > 0, 'passes against a reachable database beat');
  t.equal(await run('postgres://postgres@127.0.0.1:1/nowhere'), 0, 'no beat while PostgreSQL is unreachable');
});

t.test('the API probe: 200 from /readyz on the port, anything else unhealthy', async (t) => {
  const ctx = await setupApp(t);
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (ctx.app.server.address() as AddressInfo).port;
  const up = await probeApi(port);
  t.ok(up.ok, up.detail);
  t.match(up.detail, /\/readyz: 200 .*"status":"ready"/);
  await ctx.app.close();
  const down = await probeApi(port, 1000);
  t.notOk(down.ok, down.detail);
});

t.test('node src/healthcheck.ts: exit 0 healthy, 1 not, 2 for an unknown role', async (t) => {
  const file = path.join(dir, 'cli.heartbeat');
  const probe = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/healthcheck.ts', ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HEARTBEAT_FILE: file, PORT: '1' },
    });
  writeFileSync(file, 'beat\n');
  const fresh = probe(['--role', 'worker']);
  t.equal(fresh.status, 0, fresh.stdout + fresh.stderr);
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
  const stale = probe(['--role', 'worker']);
  t.equal(stale.status, 1, stale.stdout);
  t.match(stale.stdout, /last beat \d{2,} s ago \(more than 30 s\)/);
  const api = probe([]);
  t.equal(api.status, 1, `nothing listens on port 1: ${api.stdout}`);
  t.equal(probe(['--role', 'web']).status, 2);
});
