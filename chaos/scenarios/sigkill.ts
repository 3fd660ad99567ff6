// Scenario 1: SIGKILL of every process group (api, worker, all-in-one) in the middle of
// registrations — a power cut or an OOM kill of the whole service. Clients keep retrying under the
// same Idempotency-Key until acknowledged; the harness restarts the processes. Then: every
// acknowledged number is in the database, no demand became two tickets, every ticket's SMS went out.
import { startLoad } from '../lib/client.js';
import { ROLES } from '../lib/system.js';
import { sleep } from '../lib/util.js';
import { clients, registrationFigures, smsFigures, type Scenario } from './context.js';

export const sigkill: Scenario = {
  id: 's1',
  name: 'SIGKILL of the process group during registrations',
  async run(ctx, f) {
    const { system } = ctx;
    await system.ensureUp();
    const kills = ctx.quick ? 1 : 3;
    const rate = ctx.quick ? 15 : 20;
    const prefix = `${ctx.runTag}-s1`;
    const load = startLoad({ ...clients(ctx, ctx.quick ? 90_000 : 180_000), prefix, kind: 'help', ratePerS: rate, clients: 12 });
    const inFlight: number[] = [];
    const downFor: number[] = [];
    for (let i = 0; i < kills; i++) {
      await sleep(ctx.quick ? 3000 : 5000);
      inFlight.push(load.inFlight());
      const at = Date.now();
      await Promise.all(ROLES.map((r) => system.kill(r)));
      ctx.log(`s1: SIGKILL ${i + 1}/${kills} of api, worker and all-in-one (${inFlight[i]} demands awaiting an answer)`);
      await sleep(1000);
      await system.start(ROLES);
      downFor.push(Date.now() - at);
      ctx.log(`s1: processes back after ${((Date.now() - at) / 1000).toFixed(1)} s`);
    }
    await sleep(ctx.quick ? 2000 : 4000);
    const regs = await load.stop();
    f.info('SIGKILLs (all three process groups at once)', kills);
    f.info('demands awaiting an answer at each kill', inFlight.join(', '));
    f.info('service down per kill (kill → all ready)', downFor.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', '));
    f.info('acknowledgements that were replays (Idempotent-Replayed)', regs.filter((r) => r.replayed).length);
    const rows = await registrationFigures(ctx, f, prefix, regs);
    await smsFigures(ctx, f, rows, ctx.quick ? 30_000 : 60_000);
  },
};
