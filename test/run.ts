// `npm test`: make sure a Postgres server is there (the machine's via DATABASE_URL, else an
// embedded one), build a migrated template database once, then run tap. Each test file clones
// the template into its own database (test/helpers/db.ts), so files run in parallel.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.js';
import { withTx } from '../src/db/tx.js';
import { loadDefaultCatalogue } from '../src/services/default-catalogue.js';

const TEMPLATE = 'huiying_test_template';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function main(): Promise<number> {
  let embedded: EmbeddedServer | null = null;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    console.log('DATABASE_URL not set: starting an embedded PostgreSQL for the tests');
    embedded = await startEmbeddedPostgres({ dir: './data/test-postgres', port: 54330, database: 'postgres' });
    serverUrl = embedded.url;
  }
  try {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    // Left-over databases of an interrupted earlier run.
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'hyt\\_%' OR datname = $1",
      [TEMPLATE],
    );
    for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${TEMPLATE}"`);
    await admin.end();

    const templateUrl = withDatabase(serverUrl, TEMPLATE);
    await migrate(templateUrl);
    const pool = new pg.Pool({ connectionString: templateUrl, max: 1 });
    await withTx(pool, (tx) => loadDefaultCatalogue(tx));
    await pool.end();

    const args = process.argv.slice(2);
    const child = spawn('npx', ['tap', ...(args.length ? args : [])], {
      stdio: 'inherit',
      env: { ...process.env, HY_TEST_SERVER_URL: serverUrl, HY_TEST_TEMPLATE: TEMPLATE },
    });
    return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  } finally {
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
