// A fresh database per test file, cloned from the migrated template that test/run.ts built.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDb {
  url: string;
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
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  pool.on('error', () => undefined);
  return {
    url,
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
