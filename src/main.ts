// Entry point: `npm start [-- --role api|worker]`. Validates config, resolves the database
// (embedded by default), migrates under an advisory lock, then serves the API and/or runs workers.
// SIGTERM drains HTTP and lets running jobs finish.
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { buildApp } from './app.js';
import { systemClock } from './clock.js';
import { loggerOptions } from './logging.js';
import { prepareDatabase, resolveDatabase } from './bootstrap.js';
import { startWorkers } from '../workers/index.js';
import { createRequestRedis, isDependencyDown, throttledWarn } from './resilience.js';

type Role = 'all' | 'api' | 'worker';

function parseRole(argv: string[]): Role {
  const i = argv.indexOf('--role');
  const value = i >= 0 ? argv[i + 1] : 'all';
  if (value === 'all' || value === 'api' || value === 'worker') return value;
  console.error(`--role must be api, worker or all (got "${value ?? ''}")`);
  process.exit(2);
}

async function main(): Promise<void> {
  const role = parseRole(process.argv.slice(2));
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const log = pino(loggerOptions(config.LOG_LEVEL));
  const db = await resolveDatabase(config, log);
  await prepareDatabase(config, db, log);
  const redis = config.REDIS_URL && role !== 'worker' ? createRequestRedis(config.REDIS_URL, log) : null;
  // The API and the workers see only the application role's URL: the owner's was for the migrations.
  const deps = { config: { ...config, DATABASE_URL: db.url, MIGRATION_DATABASE_URL: undefined }, clock: systemClock };

  const app = role === 'worker' ? null : await buildApp({ ...deps, redis, logger: log, queueDashboard: true });
  const workers = role === 'api' ? null : await startWorkers({ ...deps, log });

  // Uncaught errors: a dependency dropping a connection (Postgres restart, Redis away) is logged
  // and survived — pools and queues reconnect by themselves; anything else is a bug: shut down.
  const grace = closeWithGrace({ delay: 25_000, skip: ['uncaughtException', 'unhandledRejection'] }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'fatal error, shutting down');
    else log.info({ signal }, 'shutting down: draining HTTP and running jobs');
    await app?.close();
    await workers?.close();
    await redis?.quit().catch(() => undefined);
    await db.embedded?.stop();
    log.info('shutdown complete');
  });

  const survive = throttledWarn(log, 'uncaught dependency error');
  const onUncaught = (err: unknown) => {
    if (isDependencyDown(err)) return survive(err, 'dependency connection lost; reconnecting');
    log.error({ err }, 'fatal error, shutting down');
    process.exitCode = 1;
    void grace.close();
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  if (app) {
    await app.listen({ port: config.PORT, host: config.HOST });
  }
  log.info({ role }, 'huiying started');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
