// Child processes of the bench: each server runs as its own Node process (like `npm start`), loaded
// through tsx, and tells the parent over IPC when it listens. BENCH_CPU_PROF=<dir> makes every
// child write a V8 CPU profile there when it exits (for finding where the time goes).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** The first message the child sent (its port, for servers). */
  ready: Record<string, unknown>;
  stop: () => Promise<void>;
}

export async function startChild(script: string, env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<Child> {
  const execArgv = ['--import', 'tsx'];
  const profDir = process.env.BENCH_CPU_PROF;
  if (profDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${profDir}`);
  const proc = fork(path.join(BENCH_DIR, 'servers', script), [], {
    execArgv,
    env: { ...process.env, ...env },
    // Servers log as in production (to stdout); the bench does not read it.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within ${timeoutMs} ms`)), timeoutMs);
    proc.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as Record<string, unknown>);
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready`));
    });
  });
  return {
    proc,
    pid: proc.pid!,
    ready,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.send({ cmd: 'stop' });
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** In a child: wait for the parent's stop message (or a lost parent), run `close`, exit. */
export function onStop(close: () => Promise<void>): void {
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    try {
      await close();
    } finally {
      process.exit(0);
    }
  };
  process.on('message', (m) => {
    if ((m as { cmd?: string }).cmd === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
}

/** Resident set size of a process, in bytes (Linux /proc). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}
