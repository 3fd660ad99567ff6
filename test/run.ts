// `npm test`: make sure a Postgres server is there (the machine's via DATABASE_URL, else an
// embedded one) and a Redis (REDIS_URL, else the local one, else a throwaway redis-server), build a
// migrated template database once, then run tap. Each test file clones
// the template into its own database (test/helpers/db.ts), so files run in parallel. The template
// also gets the application role's grants (the role is cluster-wide; grants and default
// privileges copy with the clone), so the apps and workers the tests build connect as that role.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { prepareQueueSchema } from '../src/db/queue-schema.js';
import { ensureAppRole, urlAs } from '../src/db/roles.js';
import { startEmbeddedPostgres, UTF8_DATABASE, type EmbeddedServer } from '../src/db/embedded.js';
import { withTx } from '../src/db/tx.js';
import { loadDefaultCatalogue } from '../src/services/default-catalogue.js';

// Per-run names, so that two runs on one server (two terminals, or CI beside a developer) never
// drop each other's databases.
const RUN_ID = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const TEMPLATE = `hyt_tpl_${RUN_ID}`;
const EMBEDDED_PORT = 54330;
const EMBEDDED_REDIS_PORT = 56379;
// The application role of the test databases: its own name, so that tests never touch a real
// `huiying_app` on a shared server. Trust auth (CI) ignores the password; the embedded server needs it.
const APP_ROLE = 'hyt_app';
const APP_PASSWORD = 'hyt-app-test-password';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Browser tests need Debian's Chromium (`apt-get install chromium fonts-noto-cjk poppler-utils`),
 * which npm cannot install. CI installs it and must run them; on a machine with only Node.js the
 * files that drive a browser (those importing test/helpers/browser.js or playwright-core, the
 * printed-notice PDF among them) are left out with a loud notice naming them — not the rest of
 * test/pages, whose form and page tests need no browser.
 */
function browserArgs(): string[] {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(chromium)) return [];
  if (process.env.CI) throw new Error(`CI must run the browser tests, but ${chromium} is missing`);
  const needBrowser = testFiles('test').filter((f) => /from '(?:\.\.\/helpers\/browser\.js|playwright-core)'/.test(readFileSync(f, 'utf8')));
  console.warn(
    `\n!! ${chromium} not found: these browser tests are NOT run:\n${needBrowser.map((f) => `!!   ${f}`).join('\n')}\n` +
      '!! Install Debian\'s Chromium to run them: apt-get install chromium fonts-noto-cjk poppler-utils\n',
  );
  return needBrowser.map((f) => `--exclude=${f}`);
}

/**
 * The backup test runs the machine's pg_dump and pg_restore against the test server: they must exist
 * and be at least the server's major version (pg_dump refuses a newer server — e.g. Debian's 15
 * against the embedded 18). As with Chromium: CI must run it; elsewhere it is left out, loudly.
 */
async function pgToolsArgs(serverUrl: string): Promise<string[]> {
  const file = 'test/ops/backup.test.ts';
  const dump = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
  const tools = Number(/(\d+)(?:\.\d+)/.exec(dump.stdout ?? '')?.[1] ?? 0);
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  const server = Math.floor(Number((await c.query<{ v: string }>('SELECT current_setting(\'server_version_num\') AS v')).rows[0].v) / 10000);
  await c.end();
  if (tools >= server) return [];
  const why = tools === 0 ? 'pg_dump is not installed' : `pg_dump ${tools} is older than the test server (PostgreSQL ${server})`;
  if (process.env.CI) throw new Error(`CI must run ${file}, but ${why}`);
  console.warn(`\n!! ${why}: ${file} is NOT run.\n!! Install the PostgreSQL client of the server's version, or run the tests with DATABASE_URL set to a server pg_dump can read.\n`);
  return [`--exclude=${file}`];
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * The tests need a real Redis (the API's rate limits and readiness, the Redis queue backend): the
 * one REDIS_URL names (it must answer), else one on 127.0.0.1:6379, else a throwaway
 * `redis-server` started here (nothing on disk) — and failing all of those, the run fails rather
 * than leaving the Redis variants out.
 */
async function ensureRedis(): Promise<{ url: string; stop: () => void }> {
  const given = process.env.REDIS_URL;
  if (given) {
    if (!(await redisAnswers(given))) throw new Error(`REDIS_URL=${given} does not answer PING`);
    return { url: given, stop: () => undefined };
  }
  const local = 'redis://127.0.0.1:6379';
  if (await redisAnswers(local)) {
    console.log(`REDIS_URL not set: using the Redis at ${local}`);
    return { url: local, stop: () => undefined };
  }
  const url = `redis://127.0.0.1:${EMBEDDED_REDIS_PORT}`;
  if (!(await redisAnswers(url))) {
    console.log('REDIS_URL not set and no Redis on 127.0.0.1:6379: starting redis-server for the tests');
    const child = spawn('redis-server', ['--port', String(EMBEDDED_REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const failed = new Promise<Error>((resolve) => child.once('error', resolve));
    for (let i = 0; i < 50 && !(await redisAnswers(url)); i++) {
      const err = await Promise.race([failed, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
      if (err) throw new Error(`the tests need Redis: set REDIS_URL, or install redis-server (apt-get install redis-server) (${err.message})`);
    }
    if (!(await redisAnswers(url))) throw new Error('the tests need Redis: redis-server did not answer within 5 s');
    return { url, stop: () => child.kill('SIGTERM') };
  }
  return { url, stop: () => undefined };
}

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Databases left by interrupted runs: test databases older than two hours. */
async function dropStale(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT d.datname FROM pg_database d
      WHERE d.datname LIKE 'hyt\\_%'
        AND (pg_stat_file('base/' || d.oid || '/PG_VERSION', true)).modification < now() - interval '2 hours'`,
  );
  // Another run may be dropping the same database (pg_stat_file's missing_ok covers its files).
  for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`).catch(() => undefined);
}

async function otherRunsActive(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'hyt\\_%' AND datname NOT LIKE $1 AND datname <> $2`,
      [`hyt\\_${RUN_ID}\\_%`, TEMPLATE],
    );
    return rows[0].n > 0;
  } finally {
    await c.end();
  }
}

async function main(): Promise<number> {
  let embedded: EmbeddedServer | null = null;
  let redis: { url: string; stop: () => void } | null = null;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    serverUrl = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/postgres`;
    if (await reachable(serverUrl)) {
      console.log('DATABASE_URL not set: using the embedded PostgreSQL another test run started');
    } else {
      console.log('DATABASE_URL not set: starting an embedded PostgreSQL for the tests');
      embedded = await startEmbeddedPostgres({ dir: './data/test-postgres', port: EMBEDDED_PORT, database: 'postgres' });
    }
  }
  try {
    redis = await ensureRedis();
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await dropStale(admin);
    await admin.query(`CREATE DATABASE "${TEMPLATE}" ${UTF8_DATABASE}`);
    await admin.end();

    const templateUrl = withDatabase(serverUrl, TEMPLATE);
    await migrate(templateUrl);
    await prepareQueueSchema({ ownerUrl: templateUrl, appUrl: urlAs(templateUrl, APP_ROLE), prefix: 'hy' });
    // Setting the password touches a cluster-wide catalog: only when it does not already work.
    const resetPassword = !(await reachable(urlAs(templateUrl, APP_ROLE, APP_PASSWORD)));
    await ensureAppRole(templateUrl, APP_ROLE, { password: APP_PASSWORD, resetPassword });
    const pool = new pg.Pool({ connectionString: templateUrl, max: 1 });
    await withTx(pool, (tx) => loadDefaultCatalogue(tx));
    await pool.end();

    const args = [...process.argv.slice(2), ...browserArgs(), ...(await pgToolsArgs(serverUrl))];
    const child = spawn('npx', ['tap', ...args], {
      stdio: 'inherit',
      env: {
        ...process.env,
        REDIS_URL: redis.url,
        HY_TEST_SERVER_URL: serverUrl,
        HY_TEST_TEMPLATE: TEMPLATE,
        HY_TEST_RUN: RUN_ID,
        HY_TEST_APP_ROLE: APP_ROLE,
        HY_TEST_APP_PASSWORD: APP_PASSWORD,
      },
    });
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    const cleanup = new pg.Client({ connectionString: serverUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS "${TEMPLATE}" WITH (FORCE)`);
    await cleanup.end();
    return code;
  } finally {
    redis?.stop();
    // Another run may be using the server we started: leave it to them (the next run reuses it).
    if (embedded && !(await otherRunsActive(serverUrl))) await embedded.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
