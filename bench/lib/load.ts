// One autocannon run against a local server, reduced to the figures the table needs.
import autocannon from 'autocannon';

export interface LoadOptions {
  port: number;
  method: 'GET' | 'POST';
  /** Called for every request: returns its path, headers and body. */
  next: () => { path: string; headers?: Record<string, string>; body?: string };
  connections: number;
  durationS: number;
  /** Fixed total rate (req/s) instead of as fast as possible (the soak). */
  overallRate?: number;
  /** The server's process: its CPU time per request is recorded (robust to other load on the machine). */
  serverPid?: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** CPU time (user + system) the server process spent per response, in µs. */
  serverCpuUs?: number;
}

/** user + system CPU time of a process so far, in µs (Linux /proc; clock ticks of 10 ms). */
export async function cpuTimeUs(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const cpu0 = o.serverPid ? await cpuTimeUs(o.serverPid) : 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${o.port}`,
    connections: o.connections,
    duration: o.durationS,
    pipelining: 1,
    timeout: 30,
    ...(o.overallRate ? { overallRate: o.overallRate } : {}),
    requests: [
      {
        method: o.method,
        setupRequest: (req) => {
          const n = o.next();
          return {
            ...req,
            method: o.method,
            path: n.path,
            headers: { ...(n.body ? { 'content-type': 'application/json' } : {}), ...n.headers },
            body: n.body,
          };
        },
      },
    ],
  });
  const ok = (result as unknown as { '2xx': number })['2xx'];
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = s.count ?? 0;
  const cpu1 = o.serverPid ? await cpuTimeUs(o.serverPid) : 0;
  const responses = ok + result.non2xx;
  return {
    ...(o.serverPid && responses > 0 ? { serverCpuUs: (cpu1 - cpu0) / responses } : {}),
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
