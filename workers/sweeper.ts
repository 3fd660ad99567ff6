// The deadline sweeper (SPEC §7), also the backstop of the 7-day no-response close: every 30 seconds, in every worker process, try to sweep; the
// sweep takes a Postgres advisory lock, so one process at a time does the work (the leader) and
// the rest return at once. It deliberately does not depend on the queue: when Redis is flushed or
// restarted, the sweeper is what still applies every passed step (at most one interval late).
import { sweepDeadlines } from '../src/services/escalation.service.js';
import { sweepNoResponse } from '../src/services/routing.service.js';
import { noticeTick } from '../src/services/notices.service.js';
import type { ServiceDeps } from '../src/services/deps.js';

export interface Sweeper {
  /** One sweep now (tests and the first tick). */
  sweep(): Promise<{ tickets: number; steps: number }>;
  stop(): Promise<void>;
}

export function startSweeper(deps: ServiceDeps, everyMs: number): Sweeper {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const sweep = async () => {
    const r = await sweepDeadlines(deps);
    const closed = await sweepNoResponse(deps);
    await noticeTick(deps);
    if (closed > 0) deps.log.info({ closed }, 'closed replies left without follow-up for 7 days');
    return r;
  };
  const tick = () => {
    if (stopped) return;
    running = sweep()
      .then((r) => {
        if (r.steps > 0) deps.log.info({ steps: r.steps, tickets: r.tickets }, 'deadline sweep applied steps');
      })
      .catch((err) => deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'deadline sweep failed'));
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return {
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
