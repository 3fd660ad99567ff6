// Starts the real workers (relay + BullMQ) against a test app's database, on the PostgreSQL
// backend or on Redis (a queue prefix per test file keeps runs apart).
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { startWorkers, type Workers } from '../../workers/index.js';
import type { Notifier } from '../../src/services/notifier.js';
import type { TestContext } from './app.js';
import type { Log } from '../../src/services/deps.js';
import type { Config } from '../../src/config.js';
import { createShared } from '../../src/runtime.js';

/** Both queue backends, always: test/run.ts makes sure REDIS_URL names a Redis that answers. */
export const BACKENDS: ('postgres' | 'redis')[] = ['postgres', 'redis'];

export async function setupWorkers(
  t: Test,
  ctx: TestContext,
  opts: { backend?: 'postgres' | 'redis'; notifier?: Notifier; log?: Log; config?: Partial<Config>; prefix?: string; sweepEveryMs?: number } = {},
): Promise<Workers> {
  const backend = opts.backend ?? 'postgres';
  if (backend === 'redis' && !process.env.REDIS_URL) throw new Error('the Redis backend needs REDIS_URL: run the tests with `npm test`');
  // As the application role; the owner's URL prepares this file's BullMQ schema and its grants.
  const config = {
    ...ctx.deps.config,
    ...opts.config,
    DATABASE_URL: ctx.db.appUrl,
    MIGRATION_DATABASE_URL: ctx.db.url,
    REDIS_URL: backend === 'redis' ? process.env.REDIS_URL : undefined,
  };
  const workers = await startWorkers({
    config,
    // Like the API and the workers of one `--role all` process: one catalogue and policy cache.
    shared: createShared(config, { catalogue: ctx.deps.catalogue, policy: ctx.deps.policy }),
    clock: ctx.clock,
    log: opts.log ?? { info: () => undefined, warn: () => undefined, error: () => undefined },
    notifier: opts.notifier,
    queuePrefix: opts.prefix ?? `t${randomBytes(4).toString('hex')}`,
    relayIntervalMs: 50,
    sweepEveryMs: opts.sweepEveryMs ?? 60_000,
  });
  t.teardown(() => workers.close());
  return workers;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The positive signal that the workers have nothing left to do now: every outbox row due by the
 * test clock (of `topic`, when given) was published and its job completed (`done_at`). Assert
 * "nothing else happened" after this, never after a sleep.
 */
export async function waitForJobsDone(ctx: TestContext, opts: { topic?: string; timeoutMs?: number } = {}): Promise<void> {
  await waitFor(
    opts.topic ? `every due ${opts.topic} job done` : 'every due job done',
    async () => {
      const { rows } = await ctx.db.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox WHERE done_at IS NULL AND available_at <= $1 AND ($2::text IS NULL OR topic = $2)',
        [ctx.clock.now(), opts.topic ?? null],
      );
      return rows[0].n === 0;
    },
    opts.timeoutMs ?? 15_000,
  );
}
