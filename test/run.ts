// `npm test`: make sure a Postgres server is there (the machine's via DATABASE_URL, else an
// embedded one), build a migrated template database once, then run tap. Each test file clones
// the template into its own database (test/helpers/db.ts), so files run in parallel. The template
// also gets the application role's grants (the role is cluster-wide; grants and default
// privileges copy with the clone), so the apps and workers the tests build connect as that role.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { prepareQueueSchema } from '../src/db/queue-schema.js';
import { ensureAppRole, urlAs } from '../src/db/roles.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.js';
import { withTx } from '../src/db/tx.js';
import { loadDefaultCatalogue } from '../src/services/default-catalogue.js';

// Per-run names, so that two runs on one server (two terminals, or CI beside a developer) never
// drop each other's databases.
const RUN_ID = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const TEMPLATE = `hyt_tpl_${RUN_ID}`;
const EMBEDDED_PORT = 54330;
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
 * which npm cannot install. CI installs it and must run them; on a machine with only Node.js they
 * are left out with a loud notice rather than failing the quick start.
 */
function browserArgs(): string[] {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(chromium)) return [];
  if (process.env.CI) throw new Error(`CI must run the browser tests, but ${chromium} is missing`);
  console.warn(
    `\n!! ${chromium} not found: the browser tests (test/pages, the printed notice) are NOT run.\n` +
      '!! Install Debian\'s Chromium to run them: apt-get install chromium fonts-noto-cjk poppler-utils\n',
  );
  return ['--exclude=test/pages/**', '--exclude=test/notices/notice-pdf.test.ts'];
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
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await dropStale(admin);
    await admin.query(`CREATE DATABASE "${TEMPLATE}"`);
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

    const args = [...process.argv.slice(2), ...browserArgs()];
    const child = spawn('npx', ['tap', ...args], {
      stdio: 'inherit',
      env: {
        ...process.env,
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
