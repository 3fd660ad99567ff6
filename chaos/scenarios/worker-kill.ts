// Scenario 5: SIGKILL of the worker while it is inside jobs. The all-in-one is stopped first so the
// `--role worker` process is the only one running jobs, and the gateway holds its answers back, so
// the kill lands while SMS sends are in flight (the request reached the gateway, the worker never
// saw the answer). A new worker takes the jobs over once their lease (QUEUE_LOCK_MS) runs out.
// Effects must happen exactly once: one SMS per ticket (a re-send may only repeat the same
// Idempotency-Key), one routing assignment, one staff notification.
import { startBurst } from '../lib/client.js';
import { countRegisteredSms, countRoutingEffects, ticketsOf } from '../lib/checks.js';
import { sleep, until } from '../lib/util.js';
import { clients, registrationFigures, smsFigures, type Scenario } from './context.js';

export const workerKill: Scenario = {
  id: 's5',
  name: 'worker SIGKILL mid-job',
  async run(ctx, f) {
    const { system, gateway } = ctx;
    await system.ensureUp();
    await system.stop('all');
    const prefix = `${ctx.runTag}-s5`;
    const n = ctx.quick ? 12 : 40;
    gateway.delayMs = 4000;
    try {
      const load = startBurst({ ...clients(ctx, 60_000, () => [system.baseUrl('api')]), prefix, kind: 'help', n, concurrency: 6, startSeq: 0 });
      const midSend = await until(() => gateway.inFlight() >= 2, 30_000, 20);
      const inFlight = gateway.inFlight();
      const killedAt = Date.now();
      await system.kill('worker');
      gateway.delayMs = 0;
      ctx.log(`s5: worker SIGKILLed with ${inFlight} SMS sends in flight`);
      f.yes('kill landed mid-job (SMS sends in flight at the kill)', midSend && inFlight > 0, String(inFlight));
      const regs = await load.done;
      await sleep(500);
      await system.start(['worker']);
      const rows = await registrationFigures(ctx, f, prefix, regs);
      const settled = await until(async () => {
        const now = await ticketsOf(ctx.db, prefix);
        const eff = await countRoutingEffects(ctx.db, now);
        return countRegisteredSms(now, gateway).missing === 0 && eff.routingMissing === 0 && eff.staffMissing === 0;
      }, ctx.quick ? 45_000 : 90_000, 250);
      f.info('all effects done after the kill', settled ? `${((Date.now() - killedAt) / 1000).toFixed(1)} s` : 'not within the wait');
      const s = await smsFigures(ctx, f, rows, 0);
      if (s.repeats > 0) f.note(`${s.repeats} sends interrupted by the kill were repeated with the same Idempotency-Key; the gateway delivered each once`);
      const eff = await countRoutingEffects(ctx.db, rows);
      f.atMost('routing missing (ticket never assigned)', eff.routingMissing);
      f.atMost('routing applied twice', eff.routingDuplicated);
      f.atMost('staff notification "assigned" missing', eff.staffMissing);
      f.atMost('staff notifications duplicated', eff.staffDuplicated);
    } finally {
      gateway.delayMs = 0;
    }
  },
};
