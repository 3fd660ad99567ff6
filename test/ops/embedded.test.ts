// The embedded default (SPEC §11): with no DATABASE_URL and no REDIS_URL, `npm start` starts a real
// PostgreSQL of its own (data under ./data of the directory it runs in) and runs the queues on
// BullMQ's PostgreSQL backend. CI always sets DATABASE_URL, so without this test the default a
// fresh machine uses would never run. One smoke test, as an operator meets it: a fresh directory,
// /readyz, a registration routed by the in-process workers, SIGTERM → exit 0 with the database
// server stopped.
import { buildDist, readLogLines } from '../helpers/processes.js';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';

t.setTimeout(300_000);

buildDist();
const main = path.resolve('dist/src/main.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });


t.test('no DATABASE_URL, no REDIS_URL: embedded PostgreSQL under ./data, queues on it, a clean stop', async (t) => {
  // A fresh directory, as on a new machine; reachable by others because, as root, the server runs
  // as the OS user `postgres` (src/db/embedded.ts), whose binaries go under HY_EMBEDDED_ROOT_HOME.
  const home = mkdtempSync(path.join(os.tmpdir(), 'hy-embedded-'));
  chmodSync(home, 0o755);
  const dataDir = path.join(home, 'data', 'postgres');
  const pgPort = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    EMBEDDED_PG_PORT: String(pgPort),
    HY_EMBEDDED_ROOT_HOME: path.join(home, 'root-home'),
    BOOTSTRAP_ADMIN_PASSWORD: 'embedded-admin-password',
    TOWNSHIP_NAME: '东山镇',
  };
  const child = spawn(process.execPath, ['--enable-source-maps', main], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const { lines, stderr: stderrText, exited } = readLogLines(child);
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    // A server the failed run left behind: stop it by the pid in its own lock file.
    const pidFile = path.join(dataDir, 'postmaster.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGQUIT');
      } catch {
        // already gone
      }
      for (let i = 0; i < 50 && existsSync(pidFile); i++) await sleep(100);
    }
    rmSync(home, { recursive: true, force: true });
  });

  const deadline = Date.now() + 240_000;
  while (!lines.some((l) => l.msg.startsWith('huiying started')) && child.exitCode === null && Date.now() < deadline) await sleep(100);
  const started = lines.find((l) => l.msg.startsWith('huiying started'));
  t.ok(started, `started (exit ${child.exitCode}; stderr: ${stderrText().slice(-1500)}; log: ${lines.map((l) => l.msg).join(' | ').slice(-1500)})`);
  if (!started) return;
  t.equal(started.role, 'all');
  t.ok(lines.some((l) => l.msg === 'DATABASE_URL not set: starting embedded PostgreSQL'), 'says which database it uses');
  t.ok(existsSync(path.join(dataDir, 'PG_VERSION')), 'the cluster lives under ./data/postgres of the directory it runs in');
  t.ok(await listening(pgPort), `the embedded server listens on EMBEDDED_PG_PORT ${pgPort}`);
  t.match(lines.find((l) => l.msg === 'workers started'), { backend: 'postgres' }, 'the queues run on BullMQ’s PostgreSQL backend');

  const port = Number(/:(\d+)$/.exec(lines.find((l) => l.msg.startsWith('Server listening at'))?.msg ?? '')?.[1]);
  const base = `http://127.0.0.1:${port}`;
  const ready = await fetch(`${base}/readyz`);
  t.equal(ready.status, 200);
  t.match(await ready.json(), { status: 'ready', checks: { postgres: 'ok', redis: 'not configured (queues on PostgreSQL)' } });

  // The whole loop on this default: an admin adds a clerk, the clerk registers, the worker routes.
  const signIn = async (username: string, password: string) => {
    const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    t.equal(res.status, 200, `${username} signs in`);
    const cookie = /hy_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0] ?? '';
    return { cookie, 'x-csrf-token': ((await res.json()) as { csrfToken: string }).csrfToken, 'content-type': 'application/json' };
  };
  const admin = await signIn('admin', 'embedded-admin-password');
  const created = await fetch(`${base}/api/v1/admin/users`, {
    method: 'POST', headers: admin,
    body: JSON.stringify({ username: 'clerk1', password: 'correct-horse-battery', displayName: '登记员', roles: ['clerk'] }),
  });
  t.equal(created.status, 201, await created.clone().text());
  const clerk = await signIn('clerk1', 'correct-horse-battery');
  const reg = await fetch(`${base}/api/v1/tickets`, {
    method: 'POST', headers: { ...clerk, 'idempotency-key': 'embedded-1' },
    body: JSON.stringify({ channel: 'phone', kind: 'help', content: '自来水停了两天了', categoryCode: 'drinking_water', complainant: { phone: '13512345678' } }),
  });
  t.equal(reg.status, 201);
  const no = ((await reg.json()) as { ticketNo: string }).ticketNo;
  let ticket: { status: string; departmentCode: string } | null = null;
  for (const until = Date.now() + 30_000; Date.now() < until; await sleep(200)) {
    ticket = (await (await fetch(`${base}/api/v1/tickets/${no}`, { headers: clerk })).json()) as { status: string; departmentCode: string };
    if (ticket.status === 'assigned') break;
  }
  t.match(ticket, { status: 'assigned', departmentCode: 'sw' }, 'routed by the in-process worker');

  child.kill('SIGTERM');
  t.equal(await exited, 0, `exit 0 (stderr: ${stderrText().slice(-500)})`);
  t.equal(lines[lines.length - 1].msg, 'shutdown complete');
  t.notOk(existsSync(path.join(dataDir, 'postmaster.pid')), 'the embedded PostgreSQL stopped with it');
  t.notOk(await listening(pgPort), 'and no longer listens');
});
