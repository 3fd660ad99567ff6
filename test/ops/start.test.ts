// `npm start` as an operator runs it: it builds dist/ when needed, runs the compiled server under
// plain node as the very process npm started, logs how to sign in at the first start (the one-time
// password, once) and the warnings a township must act on, and a SIGTERM to `npm start` stops the
// server gracefully with no process left behind.
import { buildDist, readLogLines } from '../helpers/processes.js';
import { spawn, spawnSync } from 'node:child_process';
import t from 'tap';
import { createTestDb } from '../helpers/db.js';

t.setTimeout(300_000);

buildDist();


const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

t.test('npm start: first-start sign-in line, start warnings, SIGTERM to npm stops the server', async (t) => {
  const db = await createTestDb();
  t.teardown(() => db.drop());
  const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  for (const name of ['REDIS_URL', 'BOOTSTRAP_ADMIN_PASSWORD', 'PUBLIC_BASE_URL', 'TOWNSHIP_NAME', 'npm_lifecycle_event']) delete env[name];
  const npm = spawn('npm', ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const { lines, stderr: stderrText, exited } = readLogLines(npm, { keepPlain: false });
  t.teardown(() => {
    if (npm.exitCode === null) npm.kill('SIGKILL');
  });

  const deadline = Date.now() + 120_000;
  while (!lines.some((l) => l.firstStart) && Date.now() < deadline && npm.exitCode === null) await new Promise((r) => setTimeout(r, 200));
  const first = lines.find((l) => l.firstStart);
  t.ok(first, `the first-start line appears (stderr: ${stderrText().slice(-500)})`);
  if (!first) return;

  const password = /一次性密码：([a-z0-9-]+)（只显示这一次/.exec(first.msg)?.[1] ?? '';
  t.match(password, /^[a-km-z2-9]{4}(-[a-km-z2-9]{4}){3}$/, 'the one-time password is in the line');
  t.match(first.msg, /^首次启动：已创建管理员账号 admin，.*请打开 http:\/\/localhost:0\/staff\/login 用 admin 和这个密码登录，登录后须先设置自己的密码。$/);
  t.equal(first.level, 40, 'at level warn, shown at every LOG_LEVEL up to warn');
  t.equal(lines.filter((l) => l.msg.includes(password)).length, 1, 'printed exactly once');
  const started = lines.findIndex((l) => l.msg.startsWith('huiying started'));
  t.ok(started >= 0 && started < lines.indexOf(first), 'after the start line');
  const warnings = lines.filter((l) => l.warning);
  const codes = warnings.map((l) => l.warning);
  t.ok(codes.includes('PUBLIC_BASE_URL_LOCAL') && codes.includes('TOWNSHIP_NAME_DEFAULT'), `the warnings: ${codes.join(', ')}`);
  t.notOk(codes.includes('ONE_TIME_PASSWORD_PENDING'), 'no reminder of a password printed right below');
  t.ok(warnings.every((l) => l.level === 40 && l.msg.startsWith('【警告】')), 'all loud');

  // The server is the process npm started: npm's child, running the compiled code under node.
  const serverPid = first.pid!;
  const ps = spawnSync('ps', ['-o', 'ppid=,args=', '-p', String(serverPid)], { encoding: 'utf8' }).stdout.trim();
  t.match(ps, new RegExp(`^${npm.pid}\\s+node --enable-source-maps dist/src/main\\.js$`), 'npm → node dist/src/main.js, no shell or tsx between');
  const listening = lines.find((l) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg));
  const port = Number(/:(\d+)$/.exec(listening?.msg ?? '')?.[1]);
  const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }),
  });
  t.equal(login.status, 200, 'the printed password signs in');
  t.equal(((await login.json()) as { mustChangePassword: boolean }).mustChangePassword, true);

  npm.kill('SIGTERM');
  t.equal(await exited, 0, 'npm start exits 0');
  t.ok(lines.some((l) => l.msg === 'shutdown complete'), 'the server drained and closed');
  t.notOk(alive(serverPid), 'no server process left behind');
});
