// The system under test as real processes, exactly as operators run it: `tsx src/main.ts --role
// api`, `--role worker` and the all-in-one `tsx src/main.ts`. Each is spawned detached (its own
// process group, so a SIGKILL takes tsx and the node process it starts together), logs pino JSON
// to its own file, and keeps its HTTP port across restarts so clients can retry the same address.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { killGroup, onCleanup } from './cleanup.js';
import { ROOT_DIR, freePort, sleep, until } from './util.js';

export type Role = 'api' | 'worker' | 'all';
export const ROLES: Role[] = ['api', 'worker', 'all'];
const ROLE_LABEL: Record<Role, string> = { api: 'api', worker: 'worker', all: 'all-in-one' };
export const roleLabel = (r: Role) => ROLE_LABEL[r];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  /** Killed by the harness on purpose. */
  byHarness: boolean;
}

export interface SysProc {
  role: Role;
  pid: number;
  logFile: string;
  startedAt: number;
  exit: Exit | null;
  exited: Promise<Exit>;
}

export interface SystemOptions {
  env: Record<string, string>;
  logsDir: string;
}

export class System {
  readonly ports: Partial<Record<Role, number>> = {};
  readonly procs: Partial<Record<Role, SysProc>> = {};
  /** Every process ever started, for the log scans. */
  readonly history: SysProc[] = [];
  private counter = 0;
  private intended = new Set<number>();
  private readonly tsx = path.join(ROOT_DIR, 'node_modules', '.bin', 'tsx');

  constructor(private readonly opts: SystemOptions) {
    onCleanup('system processes', () => {
      for (const p of this.history) if (!p.exit) killGroup(p.pid);
    });
  }

  async init(): Promise<void> {
    this.ports.api = await freePort();
    this.ports.all = await freePort();
  }

  baseUrl(role: 'api' | 'all'): string {
    return `http://127.0.0.1:${this.ports[role]}`;
  }

  /** The HTTP entry points clients use (both API-serving processes). */
  httpUrls(): string[] {
    return [this.baseUrl('api'), this.baseUrl('all')];
  }

  alive(role: Role): boolean {
    const p = this.procs[role];
    return !!p && !p.exit;
  }

  spawn(role: Role): SysProc {
    const n = ++this.counter;
    const logFile = path.join(this.opts.logsDir, `${String(n).padStart(2, '0')}-${role}.log`);
    const fd = openSync(logFile, 'a');
    const args = ['src/main.ts', ...(role === 'all' ? [] : ['--role', role])];
    const env: Record<string, string> = { ...this.opts.env };
    if (role !== 'worker') env.PORT = String(this.ports[role]);
    const child: ChildProcess = spawn(this.tsx, args, { cwd: ROOT_DIR, env, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const proc: SysProc = { role, pid: child.pid!, logFile, startedAt: Date.now(), exit: null, exited: Promise.resolve(null as never) };
    proc.exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        proc.exit = { code, signal, at: Date.now(), byHarness: this.intended.has(proc.pid) };
        resolve(proc.exit);
      });
    });
    this.procs[role] = proc;
    this.history.push(proc);
    return proc;
  }

  /** Waits until the process serves /healthz (api, all) or logged "workers started" (worker). */
  async ready(proc: SysProc, timeoutMs = 120_000): Promise<void> {
    const ok = await until(async () => {
      if (proc.exit) throw new Error('exited');
      if (proc.role === 'worker') return readFileSync(proc.logFile, 'utf8').includes('"msg":"workers started"');
      const res = await fetch(`${this.baseUrl(proc.role)}/healthz`, { signal: AbortSignal.timeout(1000) });
      return res.ok;
    }, timeoutMs, 200);
    if (proc.exit) throw new Error(`${roleLabel(proc.role)} exited (${proc.exit.code ?? proc.exit.signal}) before it was ready; see ${proc.logFile}`);
    if (!ok) throw new Error(`${roleLabel(proc.role)} was not ready within ${Math.round(timeoutMs / 1000)} s; see ${proc.logFile}`);
  }

  async start(roles: Role[]): Promise<void> {
    const procs = roles.map((r) => this.spawn(r));
    await Promise.all(procs.map((p) => this.ready(p)));
  }

  /** Starts every role that is not running now; returns the roles it had to start. */
  async ensureUp(roles: Role[] = ROLES): Promise<Role[]> {
    const down = roles.filter((r) => !this.alive(r));
    if (down.length) await this.start(down);
    return down;
  }

  /** Whether an HTTP process answers /readyz (any status) within `timeoutMs`: a wedged one does not. */
  async answers(role: 'api' | 'all', timeoutMs = 5000): Promise<boolean> {
    try {
      await (await fetch(`${this.baseUrl(role)}/readyz`, { signal: AbortSignal.timeout(timeoutMs) })).text();
      return true;
    } catch {
      return false;
    }
  }

  /** SIGKILL to the process group (tsx and its node child together). */
  async kill(role: Role): Promise<void> {
    const p = this.procs[role];
    if (!p || p.exit) return;
    this.intended.add(p.pid);
    killGroup(p.pid, 'SIGKILL');
    await p.exited;
  }

  /** SIGTERM (graceful drain), SIGKILL after `graceMs`. */
  async stop(role: Role, graceMs = 30_000): Promise<void> {
    const p = this.procs[role];
    if (!p || p.exit) return;
    this.intended.add(p.pid);
    killGroup(p.pid, 'SIGTERM');
    const done = await Promise.race([p.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      killGroup(p.pid, 'SIGKILL');
      await p.exited;
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all(ROLES.map((r) => this.stop(r, 15_000)));
  }
}

/** The log lines a process wrote since byte `from` (its size when a scenario began). */
export function logSince(file: string, from: number): string[] {
  try {
    const buf = readFileSync(file);
    return buf.subarray(Math.min(from, buf.length)).toString('utf8').split('\n').filter((l) => l.length > 0);
  } catch {
    return [];
  }
}

export function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
