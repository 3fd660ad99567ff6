// The container health probes (src/healthcheck.ts runs them): the API is healthy when its own
// /readyz answers 200; a worker when its heartbeat file (workers/heartbeat.ts) is fresh.
import { statSync } from 'node:fs';

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** GET /readyz on this host; healthy on 200 within `timeoutMs`. */
export async function probeApi(port: number, timeoutMs = 4_000): Promise<ProbeResult> {
  const url = `http://127.0.0.1:${port}/readyz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return { ok: res.status === 200, detail: `${url}: ${res.status} ${body.slice(0, 300)}` };
  } catch (err) {
    return { ok: false, detail: `${url}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Six missed beats (the worker writes every 5 s while its relay passes succeed). */
export const HEARTBEAT_MAX_AGE_MS = 30_000;

/** Healthy when `file` was touched less than `maxAgeMs` before `now`. */
export function probeHeartbeat(file: string | undefined, now: Date, maxAgeMs = HEARTBEAT_MAX_AGE_MS): ProbeResult {
  if (!file) return { ok: false, detail: 'HEARTBEAT_FILE is not set: the worker writes no heartbeat' };
  let mtime: Date;
  try {
    mtime = statSync(file).mtime;
  } catch {
    return { ok: false, detail: `${file}: no heartbeat yet (starting, stopped, or never reached PostgreSQL)` };
  }
  const age = now.getTime() - mtime.getTime();
  return age <= maxAgeMs
    ? { ok: true, detail: `${file}: last beat ${Math.round(age / 1000)} s ago` }
    : { ok: false, detail: `${file}: last beat ${Math.round(age / 1000)} s ago (more than ${maxAgeMs / 1000} s): the worker is stuck or cannot reach PostgreSQL` };
}
