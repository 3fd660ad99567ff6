// The bench's own database on the server named by DATABASE_URL: created, migrated and given the
// default catalogue at the start, dropped at the end (also after a failure or Ctrl-C).
import { UTF8_DATABASE } from '../../src/db/embedded.js';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.js';
import { withTx } from '../../src/db/tx.js';
import { loadDefaultCatalogue } from '../../src/services/default-catalogue.js';

export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function reachable(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.end();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export interface BenchDb {
  name: string;
  url: string;
  pool: pg.Pool;
  serverVersion: string;
  drop: () => Promise<void>;
}

export async function createBenchDb(serverUrl: string): Promise<BenchDb> {
  const name = `hy_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}" ${UTF8_DATABASE}`);
  const { rows } = await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  await admin.end();
  const url = withDatabase(serverUrl, name);
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await pool.end().catch(() => undefined);
    const a = new pg.Client({ connectionString: serverUrl });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await a.end();
  };
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => undefined);
  try {
    await migrate(url);
    await withTx(pool, (tx) => loadDefaultCatalogue(tx));
    // The INSERT baseline's table: the columns registration writes on its hot path, with the same
    // kinds of index (unique text key, received_at, phone, partial next_escalation_at).
    await pool.query(`
      CREATE TABLE bench_baseline (
        id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ticket_no          text NOT NULL UNIQUE,
        status             text NOT NULL,
        kind               text NOT NULL,
        channel            text NOT NULL,
        content            text NOT NULL,
        complainant_phone  text,
        village_code       text,
        category_code      text,
        received_at        timestamptz NOT NULL,
        due_at             timestamptz NOT NULL,
        next_escalation_at timestamptz
      );
      CREATE INDEX bench_baseline_received_idx ON bench_baseline (received_at DESC, id DESC);
      CREATE INDEX bench_baseline_next_idx ON bench_baseline (next_escalation_at) WHERE next_escalation_at IS NOT NULL;`);
  } catch (err) {
    await drop();
    throw err;
  }
  return { name, url, pool, serverVersion: rows[0].v, drop };
}
