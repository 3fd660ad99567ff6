// Scenario 3: Redis stopped (SHUTDOWN NOSAVE) for a while. Registration writes only Postgres (the
// outbox), so it must still answer 201; the public lookup and /readyz (503 naming redis) must answer
// within 2 s. After Redis starts again, the SMS of the demands registered meanwhile must all go out:
// the catch-up time runs from Redis's start to the last of them reaching the gateway.
import { burst, startLoad } from '../lib/client.js';
import { countRegisteredSms } from '../lib/checks.js';
import { ROLES } from '../lib/system.js';
import { sleep, until } from '../lib/util.js';
import { aliveFigures, clients, markLogs, rawLines, registrationFigures, smsFigures, type Scenario } from './context.js';

const BAR_MS = 2000;

interface Probe {
  ok: boolean;
  ms: number;
  detail: string;
}

/** One GET with a hard 10 s cut-off; `judge` decides from status and body whether it is a good answer. */
async function probe(url: string, judge: (status: number, body: string) => boolean): Promise<Probe> {
  const at = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = await res.text();
    const ms = Date.now() - at;
    const good = judge(res.status, body);
    return { ok: good && ms <= BAR_MS, ms, detail: good ? `${res.status} after more than 2 s` : `${res.status} ${brief(body)}` };
  } catch (err) {
    const ms = Date.now() - at;
    return { ok: false, ms, detail: (err as Error).name === 'TimeoutError' ? 'no answer within 10 s' : (err as Error).message };
  }
}

/** The part of an answer worth quoting: /readyz's checks, an error's code, else the start. */
function brief(body: string): string {
  try {
    const b = JSON.parse(body) as { checks?: unknown; code?: string; status?: string };
    return JSON.stringify(b.checks ? { status: b.status, checks: b.checks } : (b.code ?? b)).slice(0, 140);
  } catch {
    return body.slice(0, 80);
  }
}

export const redisStop: Scenario = {
  id: 's3',
  name: 'Redis stopped, then started',
  async run(ctx, f) {
    const { system, redis } = ctx;
    await system.ensureUp();
    const prefix = `${ctx.runTag}-s3`;
    // A ticket to look up while Redis is away (its SMS delivered: the system was healthy before).
    const [known] = await burst({ ...clients(ctx, 30_000), prefix: `${prefix}pre`, kind: 'help', n: 1, concurrency: 1, startSeq: 0 });
    if (!known.ticketNo) throw new Error(`could not register the lookup ticket: ${known.refused ?? 'no answer'}`);
    const marks = markLogs(system);
    const began = Date.now();

    await redis.stop();
    const downAt = Date.now();
    ctx.log('s3: Redis stopped');
    const load = startLoad({ ...clients(ctx, ctx.quick ? 90_000 : 150_000), prefix, kind: 'help', ratePerS: 4, clients: 4 });
    const probes: Promise<{ kind: 'lookup' | 'readyz'; p: Probe }>[] = [];
    const lookup = (base: string) => `${base}/api/v1/public/tickets/${known.ticketNo}?verify=${known.phone.slice(-4)}`;
    const outageMs = ctx.quick ? 10_000 : 30_000;
    while (Date.now() - downAt < outageMs) {
      for (const base of system.httpUrls()) {
        probes.push(probe(lookup(base), (s) => s === 200 || s === 404).then((p) => ({ kind: 'lookup' as const, p })));
        probes.push(
          probe(`${base}/readyz`, (s, body) => s === 503 && /redis/i.test(body)).then((p) => ({ kind: 'readyz' as const, p })),
        );
      }
      await sleep(1000);
    }
    load.halt();
    const registeredWhileDown = load.regs.length;
    const regs = await Promise.race([load.stop(), sleep(15_000).then(() => load.regs)]);
    await redis.start();
    const upAt = Date.now();
    ctx.log(`s3: Redis started again after ${((upAt - downAt) / 1000).toFixed(1)} s down`);
    const results = await Promise.all(probes);

    const firsts = regs.slice(0, registeredWhileDown).map((r) => r.attempts[0]).filter(Boolean);
    f.all('registrations answered 201 (first attempt) while Redis is down', firsts.filter((a) => a.outcome === 201).length, registeredWhileDown);
    f.info('registration first-attempt slowest', `${Math.max(0, ...firsts.map((a) => a.ms))} ms`);
    for (const kind of ['lookup', 'readyz'] as const) {
      const mine = results.filter((r) => r.kind === kind).map((r) => r.p);
      const label = kind === 'lookup' ? 'public lookup answered (200/404) ≤ 2 s' : '/readyz 503 naming redis ≤ 2 s';
      f.all(label, mine.filter((p) => p.ok).length, mine.length);
      const bad = mine.filter((p) => !p.ok);
      const groups = new Map<string, number[]>();
      for (const p of bad) groups.set(p.detail, [...(groups.get(p.detail) ?? []), p.ms]);
      for (const [detail, ms] of groups) f.note(`${kind} while Redis was down: ${ms.length} × ${detail} (slowest ${Math.max(...ms)} ms)`);
    }

    // Catch-up: the demands registered while Redis was down (the load may still be retrying a few).
    const all = await load.stop();
    const rows = await registrationFigures(ctx, f, prefix, all);
    const caughtUp = await until(() => countRegisteredSms(rows, ctx.gateway).missing === 0, ctx.quick ? 60_000 : 90_000, 200);
    const s = countRegisteredSms(rows, ctx.gateway);
    f.within('SMS catch-up after Redis starts (all pending delivered)', caughtUp ? Math.max(0, s.lastAt - upAt) : null, 60_000);
    await smsFigures(ctx, f, rows, 0);
    aliveFigures(ctx, f, marks, ROLES, began);
    const raw = rawLines(system, marks);
    f.info('raw non-JSON log lines while Redis was down', raw.count);
    raw.sample.forEach((l) => f.note(l));
  },
};
