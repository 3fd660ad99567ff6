// Scenario 4: Redis FLUSHALL in the middle of registration bursts, with minute-scale escalation
// ladders running (the `emergency` kind and both ladders set to minutes through the admin SLA API).
// Everything the queues held is gone; whatever Postgres holds must still happen exactly once: each
// ticket's `registered` SMS, its routing and the department's staff notification, and every ladder
// step (with its staff notifications) — none missing, none applied twice.
import { startBurst, type Registration } from '../lib/client.js';
import { countRegisteredSms, countRoutingEffects, explainMissingRouting, ticketsOf } from '../lib/checks.js';
import { countLadders, expectedSteps } from '../lib/ladders.js';
import { sleep, until } from '../lib/util.js';
import { clients, registrationFigures, smsFigures, type Scenario } from './context.js';

/** The sweeper runs every 30 s: a step whose delayed job was flushed may be that late, plus a margin. */
const SWEEP_SLACK_MS = 40_000;

export const redisFlush: Scenario = {
  id: 's4',
  name: 'Redis FLUSHALL during bursts and minute-scale ladders',
  async run(ctx, f) {
    const { system, redis } = ctx;
    await system.ensureUp();
    const prefix = `${ctx.runTag}-s4`;
    const bursts = ctx.quick ? 2 : 4;
    const size = ctx.quick ? 40 : 100;
    const regs: Registration[] = [];
    let flushes = 0;
    // A gateway answering in 100 ms (real ones take longer) keeps SMS jobs queued during a burst,
    // which is what a flush can take away.
    ctx.gateway.delayMs = 100;
    try {
      for (let b = 0; b < bursts; b++) {
        const running = startBurst({ ...clients(ctx, 60_000), prefix, kind: 'emergency', n: size, concurrency: ctx.quick ? 20 : 40, startSeq: b * size });
        // FLUSHALL three times in the burst: at a quarter, half and three quarters acknowledged (or 5 s).
        for (const part of [0.25, 0.5, 0.75]) {
          await until(() => running.regs.filter((r) => r.ticketNo).length >= size * part, 5000, 20);
          await redis.flushAll();
          flushes++;
        }
        ctx.log(`s4: burst ${b + 1}/${bursts} with ${flushes} FLUSHALLs so far`);
        regs.push(...(await running.done));
        const unanswered = running.regs.filter((r) => !r.ticketNo).length;
        if (unanswered > 0) {
          // The API stopped answering: more bursts would only wait for their clients' deadlines.
          f.note(`burst ${b + 1} left ${unanswered} demands unanswered after 60 s of retries: no further bursts`);
          ctx.log(`s4: ${unanswered} demands of burst ${b + 1} unanswered; stopping the bursts`);
          break;
        }
        if (b < bursts - 1) await sleep(ctx.quick ? 2000 : 8000);
      }
    } finally {
      ctx.gateway.delayMs = 0;
    }
    const lastRegistration = Date.now();
    f.info('bursts × demands, FLUSHALLs', `${regs.length / size} × ${size}, ${flushes}`);
    const rows = await registrationFigures(ctx, f, prefix, regs);

    // Is the short policy in force? The resolve deadline must be `resolve` minutes after receipt.
    const wanted = ctx.ladders.resolve * 60_000;
    const inForce = rows.length > 0 && rows.every((r) => Math.abs(r.dueAt.getTime() - r.receivedAt.getTime() - wanted) < 1000);
    f.yes('minute-scale ladder policy in force', inForce);

    // Wait until every effect is there, or its horizon has passed (then what is missing stays
    // missing): a sweep interval and a margin after the last registration for the SMS, routing
    // and staff notification (time enough for a reconciler beside the 30 s sweeper), the same after
    // its instant for each ladder step (a flushed delayed job waits for the sweeper).
    const effectsHorizon = lastRegistration + (ctx.quick ? SWEEP_SLACK_MS : 60_000);
    await until(async () => {
      const now = await ticketsOf(ctx.db, prefix);
      const sms = countRegisteredSms(now, ctx.gateway);
      const eff = await countRoutingEffects(ctx.db, now);
      const effectsDone = (sms.missing === 0 && eff.routingMissing === 0 && eff.staffMissing === 0) || Date.now() > effectsHorizon;
      if (!inForce) return effectsDone;
      const lad = await countLadders(ctx.db, now, ctx.ladders, Number.MAX_SAFE_INTEGER);
      const ladderHorizon = Math.max(0, ...expectedSteps(now, ctx.ladders).map((s) => s.at)) + SWEEP_SLACK_MS;
      const laddersDone = (lad.missing === 0 && lad.staffMissing === 0) || Date.now() > ladderHorizon;
      return effectsDone && laddersDone;
    }, ctx.quick ? 150_000 : 420_000, 2000);

    const final = await ticketsOf(ctx.db, prefix);
    await smsFigures(ctx, f, final, 0);
    const eff = await countRoutingEffects(ctx.db, final);
    f.atMost('routing missing (ticket never assigned)', eff.routingMissing);
    f.atMost('routing applied twice', eff.routingDuplicated);
    f.atMost('staff notification "assigned" missing', eff.staffMissing);
    f.atMost('staff notifications duplicated', eff.staffDuplicated);
    for (const id of eff.unrouted.slice(0, 3)) f.note(await explainMissingRouting(ctx.db, id));
    if (inForce) {
      const lad = await countLadders(ctx.db, final, ctx.ladders, Date.now() - SWEEP_SLACK_MS);
      f.info('ladder steps expected (both ladders)', lad.steps);
      f.atMost('escalation steps missing', lad.missing);
      f.atMost('escalation steps applied twice', lad.duplicated);
      f.atMost('escalation steps applied early', lad.early);
      f.atMost('escalation staff notifications missing', lad.staffMissing);
      f.info('latest step after its instant', `${(lad.maxLateMs / 1000).toFixed(1)} s`);
      lad.examples.forEach((e) => f.note(e));
    } else {
      f.note('ladder figures skipped: the SLA policy set through the admin API was not in force for these tickets');
    }
  },
};
