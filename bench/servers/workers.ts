// The real worker role (workers/index.ts: outbox relay, BullMQ workers, deadline sweeper) as
// `npm start -- --role worker` runs it, with the queue prefix and sweep interval the bench chooses.
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/clock.js';
import { loggerOptions } from '../../src/logging.js';
import { startWorkers } from '../../workers/index.js';
import { onStop } from '../lib/proc.js';

const config = loadConfig();
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
const log = pino(loggerOptions(config.LOG_LEVEL));
const workers = await startWorkers({
  config: { ...config, DATABASE_URL: config.DATABASE_URL },
  clock: systemClock,
  log,
  queuePrefix: process.env.BENCH_QUEUE_PREFIX,
  sweepEveryMs: Number(process.env.BENCH_SWEEP_EVERY_MS ?? 600_000),
});
onStop(() => workers.close());
process.send!({ backend: workers.kit.backend });
