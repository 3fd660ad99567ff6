// The real API as `npm start -- --role api` runs it (config from the environment, Redis for the
// rate limiter, the production logger), listening on a free loopback port. The database was
// migrated and seeded by the bench beforehand.
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { loggerOptions } from '../../src/logging.js';
import { onStop } from '../lib/proc.js';

const config = loadConfig();
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
const log = pino(loggerOptions(config.LOG_LEVEL));
const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: null }) : null;
const app = await buildApp({ config: { ...config, DATABASE_URL: config.DATABASE_URL }, clock: systemClock, redis, logger: log });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
onStop(async () => {
  await app.close();
  await redis?.quit().catch(() => undefined);
});
process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
