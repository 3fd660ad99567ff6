// `--soak`: the API's resident memory over 10 minutes of registrations at half the capacity
// measured in this run (SPEC §14: flat within ±10 %). RSS is read from /proc every 10 s; the
// first minute is warm-up (JIT, pools, caches filling). "Flat" compares the mean of the last
// minute with the mean of the minute after warm-up, and also reports the spread around the median.
import { rssOf } from '../lib/proc.js';
import { runLoad, median } from '../lib/load.js';
import type { BenchContext, Row } from '../lib/types.js';
import { registrationBody } from './http.js';

export async function measureSoak(
  ctx: BenchContext,
  api: { port: number; pid: number },
  session: Record<string, string>,
  capacity: number,
  durationS = 600,
): Promise<{ rows: Row[]; raw: unknown }> {
  const rate = Math.max(1, Math.round(capacity / 2));
  ctx.log(`soak: ${durationS} s of registrations at ${rate} req/s (half of ${capacity.toFixed(0)}), RSS every 10 s`);
  const samples: { t: number; rss: number }[] = [];
  const start = Date.now();
  samples.push({ t: 0, rss: await rssOf(api.pid) });
  const timer = setInterval(() => {
    rssOf(api.pid).then(
      (rss) => samples.push({ t: Math.round((Date.now() - start) / 1000), rss }),
      () => undefined,
    );
  }, 10_000);
  let n = 0;
  const load = await runLoad({
    port: api.port,
    method: 'POST',
    connections: ctx.connections,
    durationS,
    overallRate: rate,
    next: () => ({
      path: '/api/v1/tickets',
      headers: { ...session, 'idempotency-key': `soak-${process.pid}-${++n}` },
      body: registrationBody(),
    }),
  });
  clearInterval(timer);
  samples.push({ t: Math.round((Date.now() - start) / 1000), rss: await rssOf(api.pid) });
  const mb = (b: number) => b / 1024 / 1024;
  const warm = samples.filter((s) => s.t >= 60);
  const firstMin = warm.filter((s) => s.t < 120).map((s) => s.rss);
  const lastMin = warm.filter((s) => s.t >= durationS - 60).map((s) => s.rss);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const drift = (mean(lastMin) - mean(firstMin)) / mean(firstMin);
  const med = median(warm.map((s) => s.rss));
  const spread = Math.max(...warm.map((s) => Math.abs(s.rss - med) / med));
  const note =
    `RSS after warm-up ${mb(mean(firstMin)).toFixed(0)} MB → last minute ${mb(mean(lastMin)).toFixed(0)} MB; ` +
    `largest deviation from the median ${(spread * 100).toFixed(1)} %; ${load.ok} registrations at ${load.rps.toFixed(0)} req/s, ` +
    `p99 ${load.p99} ms, non-2xx ${load.non2xx}`;
  ctx.log(`soak: drift ${(drift * 100).toFixed(1)} % — ${note}`);
  return {
    rows: [
      {
        id: 'soak_rss',
        figure: `API RSS over a ${Math.round(durationS / 60)}-min soak at half capacity`,
        measured: `${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)} % drift`,
        baseline: `${mb(mean(firstMin)).toFixed(0)} MB`,
        ratio: 1 + drift,
        target: 'within ±10 %',
        pass: Math.abs(drift) <= 0.1 && load.non2xx === 0,
        note,
      },
    ],
    raw: { rate, samples, load },
  };
}
