// Small shared pieces of the harness: time, polling, free ports, the run log.
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHAOS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT_DIR = path.resolve(CHAOS_DIR, '..');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const t0 = Date.now();
export function log(msg: string): void {
  console.log(`[chaos ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
}

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      // a check that throws (a dependency down) is simply not yet true
    }
    if (Date.now() >= end) return false;
    await sleep(everyMs);
  }
}

/** Rejects after `ms` with a message naming `what` (the promise keeps running; callers clean up). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]);
}

/** A TCP port free on 127.0.0.1 right now (never 5432 or 6379: those are the machine's servers). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (port !== 5432 && port !== 6379) return port;
  }
}
