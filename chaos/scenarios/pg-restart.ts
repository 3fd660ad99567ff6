// Scenario 2: `pg_ctl restart -m fast` under registration load (~25–30/s) with all three processes
// running. Every process must survive and reconnect by itself; no acknowledged registration may be
// lost or doubled; recovery is the time from the restart command to the first 201 of an attempt
// sent after Postgres accepted connections again (per HTTP process too).
import { startLoad, type Registration } from '../lib/client.js';
import { ROLES } from '../lib/system.js';
import { sleep } from '../lib/util.js';
import { aliveFigures, clients, markLogs, rawLines, registrationFigures, smsFigures, type Scenario } from './context.js';

/**
 * Recovery of one restart: the first 201 answered to an attempt sent once Postgres accepted
 * connections again (`pg_ctl` returned), on `target` (any when null), in ms from the restart command.
 */
function recovery(regs: Registration[], r: { startedAt: number; endedAt: number }, target: string | null): number | null {
  let best: number | null = null;
  for (const reg of regs) {
    for (const a of reg.attempts) {
      if (a.at < r.endedAt || (target && a.target !== target) || (a.outcome !== 201 && a.outcome !== 200)) continue;
      const t = a.at + a.ms - r.startedAt;
      if (best === null || t < best) best = t;
    }
  }
  return best;
}

export const pgRestart: Scenario = {
  id: 's2',
  name: 'Postgres restart under load',
  async run(ctx, f) {
    const { system, cluster } = ctx;
    await system.ensureUp();
    const marks = markLogs(system);
    const began = Date.now();
    const restarts = ctx.quick ? 1 : 2;
    const prefix = `${ctx.runTag}-s2`;
    const load = startLoad({ ...clients(ctx, ctx.quick ? 90_000 : 180_000), prefix, kind: 'help', ratePerS: ctx.quick ? 25 : 30, clients: 24 });
    // Each restart: survival judged a while after it, then whatever died is started again (as a
    // supervisor would) so the next restart and the clients' retries meet a running system.
    const done: { startedAt: number; endedAt: number; harnessRestartAt: number | null }[] = [];
    for (let i = 0; i < restarts; i++) {
      await sleep(ctx.quick ? 4000 : 8000);
      ctx.log(`s2: pg_ctl restart -m fast ${i + 1}/${restarts}`);
      const r = await cluster.restart();
      ctx.log(`s2: Postgres back after ${((r.endedAt - r.startedAt) / 1000).toFixed(1)} s`);
      await sleep(ctx.quick ? 6000 : 10_000);
      aliveFigures(ctx, f, marks, ROLES, r.startedAt, restarts > 1 ? `restart #${i + 1}` : '');
      const at = Date.now();
      const restarted = await system.ensureUp();
      if (restarted.length) ctx.log(`s2: ${restarted.join(', ')} died; started again`);
      done.push({ ...r, harnessRestartAt: restarted.length ? at : null });
    }
    load.halt();
    const sendingS = (Date.now() - began) / 1000;
    const sent = load.regs.length;
    const regs = await load.stop();
    const before = regs.filter((r) => r.ackedAt !== null && r.ackedAt < done[0].startedAt).length;
    f.info('registrations/s acknowledged before the restart', ((before * 1000) / (done[0].startedAt - began)).toFixed(1));
    f.info('demands sent while Postgres restarted and after', `${sent} in ${sendingS.toFixed(0)} s`);
    done.forEach((r, i) => {
      const n = restarts > 1 ? ` #${i + 1}` : '';
      // Acknowledgements by a process the harness had to start again are not the system's recovery.
      const own = r.harnessRestartAt === null ? regs : regs.map((g) => ({ ...g, attempts: g.attempts.filter((a) => a.at + a.ms < r.harnessRestartAt!) }));
      f.info(`pg_ctl restart${n} took`, `${((r.endedAt - r.startedAt) / 1000).toFixed(1)} s`);
      f.within(`recovery${n}: restart → first 201`, recovery(own, r, null), 15_000);
      for (const role of ['api', 'all'] as const) {
        const ms = recovery(own, r, system.baseUrl(role));
        f.info(`recovery${n}: first 201 from ${role === 'all' ? 'all-in-one' : 'api'}`, ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);
      }
    });
    const fiveHundreds = regs.reduce((n, r) => n + r.attempts.filter((a) => a.outcome === 500).length, 0);
    f.info('500 answers during the outage (503 expected)', fiveHundreds);
    const rows = await registrationFigures(ctx, f, prefix, regs);
    const raw = rawLines(system, marks);
    f.info('raw non-JSON log lines', raw.count);
    raw.sample.forEach((l) => f.note(l));
    await smsFigures(ctx, f, rows, ctx.quick ? 30_000 : 60_000);
  },
};
