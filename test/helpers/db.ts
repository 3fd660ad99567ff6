// A fresh database per test file, cloned from the migrated template that test/run.ts built. `url`
// and `pool` connect as the owner of the tables (test setup that needs owner rights: tampering,
// state by SQL); `appUrl` as the application role the app and the workers use.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { urlAs } from '../../src/db/roles.js';

export interface TestDb {
  /** The database's name, unique per test app: also its Redis key prefix. */
  name: string;
  url: string;
  /** The same database as the application role (test/run.ts gave it its grants). */
  appUrl: string;
  appRole: string;
  pool: pg.Pool;
  drop: () => Promise<void>;
}

function serverUrl(): string {
  const url = process.env.HY_TEST_SERVER_URL;
  if (!url) throw new Error('run the tests with `npm test` (it prepares the database server and template)');
  return url;
}

export async function createTestDb(): Promise<TestDb> {
  const name = `hyt_${process.env.HY_TEST_RUN ?? 'x'}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${process.env.HY_TEST_TEMPLATE}"`);
  await admin.end();
  const u = new URL(serverUrl());
  u.pathname = `/${name}`;
  const url = u.toString();
  const appRole = process.env.HY_TEST_APP_ROLE ?? 'hyt_app';
  const appUrl = urlAs(url, appRole, process.env.HY_TEST_APP_PASSWORD);
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  pool.on('error', () => undefined);
  return {
    name,
    url,
    appUrl,
    appRole,
    pool,
    drop: async () => {
      await pool.end();
      const a = new pg.Client({ connectionString: serverUrl() });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}
