// /healthz (process up) and /readyz (Postgres, Redis, calendar for this and next year).
import type { FastifyPluginAsync } from 'fastify';
import { getPolicy } from '../../services/policy.service.js';
import { calendarMissingWarning, missingCalendarYears } from '../../domain/calendar.js';
import { withTimeout } from '../../resilience.js';

const routes: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    const warnings: string[] = [];
    let ok = true;
    // Every check is bounded, so /readyz answers within 2 s whatever hangs.
    try {
      await withTimeout(app.deps.db.query('SELECT 1'), 1500, 'postgres');
      checks.postgres = 'ok';
    } catch {
      checks.postgres = 'down';
      ok = false;
    }
    if (app.redis) {
      try {
        await withTimeout(app.redis.ping(), 1000, 'redis');
        checks.redis = 'ok';
      } catch {
        checks.redis = 'down';
        ok = false;
      }
    } else {
      checks.redis = 'not configured (queues on PostgreSQL)';
    }
    if (checks.postgres === 'ok') {
      // A missing calendar is a warning, not an outage: deadlines are then flagged, not refused.
      try {
        const { years } = await withTimeout(getPolicy(app.deps), 1000, 'policy');
        const missing = missingCalendarYears(years, app.deps.clock.now());
        checks.calendar = missing.length ? `missing ${missing.join(', ')}` : 'ok';
        for (const y of missing) warnings.push(calendarMissingWarning(y));
      } catch {
        checks.calendar = 'unknown';
      }
    }
    const down = Object.entries(checks).filter(([, v]) => v === 'down').map(([k]) => k);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', ...(down.length ? { unavailable: down } : {}), checks, warnings });
  });
};

export default routes;
