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
import { logStartWarnings } from './start-warnings.js';
import { createFirstAdmin } from './services/users.service.js';
import { startWorkers } from '../workers/index.js';
import { createRequestRedis, isDependencyDown, throttledWarn } from './resilience.js';
import { createShared } from './runtime.js';

type Role = 'all' | 'api' | 'worker';

/** How long SIGTERM waits for HTTP and running jobs before exiting (compose's stop_grace_period is longer: check:deploy). */
const DRAIN_MS = 25_000;

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
  // Built once: the API and the workers of an `all` process share the caches, notifier and poster.
  const deps = { config: { ...config, DATABASE_URL: db.url, MIGRATION_DATABASE_URL: undefined }, clock: systemClock, shared: createShared(config) };

  const app = role === 'worker' ? null : await buildApp({ ...deps, redis, logger: log, queueDashboard: true });
  const workers = role === 'api' ? null : await startWorkers({ ...deps, log });

  // Uncaught errors: a dependency dropping a connection (Postgres restart, Redis away) is logged
  // and survived — pools and queues reconnect by themselves; anything else is a bug: shut down.
  const closing = closeWithGrace({ delay: DRAIN_MS, skip: ['SIGINT', 'SIGTERM', 'uncaughtException', 'unhandledRejection'] }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'fatal error, shutting down');
    else if (signal) log.info({ signal }, 'shutting down: draining HTTP and running jobs');
    await app?.close();
    await workers?.close();
    await redis?.quit().catch(() => undefined);
    await db.embedded?.stop();
    log.info('shutdown complete');
  });
  // SIGINT and SIGTERM by hand: Ctrl-C in a terminal reaches this process twice — from the terminal
  // and forwarded by `npm start` — and close-with-grace would take the echo for a second Ctrl-C
  // and exit without draining. A repeat within a second is that echo; a later one stops at once.
  let firstSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (firstSignalAt === 0) {
        firstSignalAt = Date.now();
        log.info({ signal }, 'shutting down: draining HTTP and running jobs');
        void closing.close();
      } else if (Date.now() - firstSignalAt > 1000) {
        log.error({ signal }, `second ${signal}: exiting without waiting`);
        process.exit(1);
      }
    });
  }

  const survive = throttledWarn(log, 'uncaught dependency error');
  const onUncaught = (err: unknown) => {
    if (isDependencyDown(err)) return survive(err, 'dependency connection lost; reconnecting');
    log.error({ err }, 'fatal error, shutting down');
    process.exitCode = 1;
    void closing.close();
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  if (app) {
    await app.listen({ port: config.PORT, host: config.HOST });
  }
  // No user and no BOOTSTRAP_ADMIN_PASSWORD: `admin` with a one-time password, printed once below.
  // Only a process that serves the sign-in page creates it (so the line lands where it can be
  // used), and only once it listens (so a failed start does not swallow the password).
  const oneTimePassword = app ? await createFirstAdmin(app.deps) : null;
  const base = config.PUBLIC_BASE_URL.replace(/\/$/, '');
  log.info({ role, publicBaseUrl: base }, `huiying started: ${config.TOWNSHIP_NAME}; staff sign in at ${base}/staff/login`);
  // Last, so that they are the lines the operator sees.
  await logStartWarnings(config, db.url, log, systemClock.now(), { justCreatedAdmin: oneTimePassword !== null });
  if (oneTimePassword) {
    const line =
      `首次启动：已创建管理员账号 admin，一次性密码：${oneTimePassword}（只显示这一次，请立即记下）。` +
      `请打开 ${base}/staff/login 用 admin 和这个密码登录，登录后须先设置自己的密码。`;
    // Whatever LOG_LEVEL says, the operator must see it.
    if (log.isLevelEnabled('warn')) log.warn({ firstStart: true, username: 'admin' }, line);
    else console.error(line);
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
