// A throwaway PostgreSQL cluster on a free port: initdb into a temp dir, start, restart (`pg_ctl
// restart -m fast`, what an operator or a package upgrade does), stop. It never touches the
// machine's own server on 5432. PostgreSQL refuses to run as root, so as root every binary runs as
// the `postgres` OS user (runuser) over a data dir that user owns.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { onCleanup } from './cleanup.js';
import { freePort } from './util.js';

export interface Cluster {
  port: number;
  version: string;
  url(database: string): string;
  /** A small pool for the harness's own counting queries (errors while the server restarts are ignored). */
  pool(database: string): pg.Pool;
  createDatabase(name: string): Promise<void>;
  /** `pg_ctl restart -m fast`; resolves when the server accepts connections again. */
  restart(): Promise<{ startedAt: number; endedAt: number; output: string }>;
  /** Copies the server log next to the run's other logs. */
  saveLog(dest: string): void;
  stop(): void;
}

function binDir(): string {
  const fromEnv = process.env.CHAOS_PG_BIN;
  if (fromEnv) return fromEnv;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')));
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions.length) return path.join(base, versions[0], 'bin');
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('no PostgreSQL binaries found: set CHAOS_PG_BIN to the directory holding initdb and pg_ctl');
  }
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary (as `postgres` when we are root); throws with its output on failure. */
function pgRun(bin: string, args: string[], timeoutMs: number): string {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: timeoutMs, cwd: '/' });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error) throw new Error(`${path.basename(bin)} ${args[0] ?? ''}: ${r.error.message}\n${out}`);
  if (r.status !== 0) throw new Error(`${path.basename(bin)} ${args.join(' ')} exited ${r.status}:\n${out}`);
  return out;
}

/** The same, without blocking the event loop (the load and the fake gateway keep running meanwhile). */
function pgRunAsync(bin: string, args: string[], timeoutMs: number): Promise<string> {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { encoding: 'utf8', timeout: timeoutMs, cwd: '/' }, (err, stdout, stderr) => {
      const out = `${stdout ?? ''}${stderr ?? ''}`.trim();
      if (err) reject(new Error(`${path.basename(bin)} ${args.join(' ')}: ${err.message}\n${out}`));
      else resolve(out);
    });
  });
}

export async function startCluster(): Promise<Cluster> {
  const bin = binDir();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hy-chaos-pg-'));
  onCleanup('postgres temp dir', () => rmSync(dir, { recursive: true, force: true }));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  pgRun(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], 120_000);
  const port = await freePort();
  // fsync off: the faults here are process kills and restarts, never a lost machine, and the
  // machine is shared. Everything else is PostgreSQL's default behaviour.
  const opts = [
    `-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c full_page_writes=off',
    '-c max_connections=300', '-c log_min_messages=warning',
  ].join(' ');
  const pgCtl = path.join(bin, 'pg_ctl');
  pgRun(pgCtl, ['-D', data, '-l', logFile, '-o', opts, '-w', '-t', '60', 'start'], 90_000);
  onCleanup('postgres cluster', () => {
    try {
      pgRun(pgCtl, ['-D', data, '-m', 'immediate', '-w', '-t', '20', 'stop'], 30_000);
    } catch {
      // already stopped, or pg_ctl failed: kill the postmaster by its pid file
      const pidFile = path.join(data, 'postmaster.pid');
      if (existsSync(pidFile)) {
        const pid = Number(spawnSync('head', ['-1', pidFile], { encoding: 'utf8' }).stdout.trim());
        if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
  });
  const version = pgRun(path.join(bin, 'postgres'), ['--version'], 10_000).replace(/^postgres \(PostgreSQL\) /, '');
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const pools: pg.Pool[] = [];
  onCleanup('harness pools', () => pools.forEach((p) => void p.end().catch(() => undefined)));
  const pool = (database: string) => {
    const p = new pg.Pool({ connectionString: url(database), max: 3, connectionTimeoutMillis: 5000, statement_timeout: 30_000 });
    p.on('error', () => undefined);
    pools.push(p);
    return p;
  };
  return {
    port,
    version,
    url,
    pool,
    async createDatabase(name) {
      const admin = new pg.Client({ connectionString: url('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
    },
    async restart() {
      const startedAt = Date.now();
      const output = await pgRunAsync(pgCtl, ['-D', data, '-l', logFile, '-m', 'fast', '-w', '-t', '60', 'restart'], 90_000);
      return { startedAt, endedAt: Date.now(), output };
    },
    saveLog(dest) {
      try {
        copyFileSync(logFile, dest);
      } catch {
        // no log yet
      }
    },
    stop() {
      pgRun(pgCtl, ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'], 40_000);
    },
  };
}
