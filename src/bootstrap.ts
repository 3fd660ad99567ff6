// Process start shared by `npm start`, the CLI and the tests' template database: resolve the
// database (embedded default when DATABASE_URL is unset), apply migrations as the owner role, give
// the application role its grants, first-start data.
import pg from 'pg';
import { ConfigError, type Config } from './config.js';
import { serviceDeps } from './runtime.js';
import { embeddedAppPassword, embeddedPostgresInstalled, startEmbeddedPostgres, type EmbeddedServer } from './db/embedded.js';
import { migrate, pendingMigrations } from './db/migrate.js';
import { prepareQueueSchema } from './db/queue-schema.js';
import { canSignIn, connectedRole, DEFAULT_APP_ROLE, ensureAppRole, urlAs, urlPassword, urlRole } from './db/roles.js';
import { countDepartments } from './db/catalogue.repository.js';
import { withTx } from './db/tx.js';
import { loadDefaultCatalogue } from './services/default-catalogue.js';
import { bootstrapAdmin } from './services/users.service.js';
import type { Log } from './logging.js';
import { systemClock } from './clock.js';

export interface Database {
  /** The application's connection (DATABASE_URL): the application role. */
  url: string;
  /** Migrations and grants (MIGRATION_DATABASE_URL, else DATABASE_URL): the owner of the tables. */
  ownerUrl: string;
  embedded: EmbeddedServer | null;
}

/**
 * With DATABASE_URL: that URL for the application and MIGRATION_DATABASE_URL (else the same URL)
 * for migrations. Without: the embedded server, migrated as its superuser `postgres` and used by
 * the application as `huiying_app` with a password generated into the cluster's directory.
 */
export async function resolveDatabase(config: Config, log: Log, embeddedInstalled = embeddedPostgresInstalled()): Promise<Database> {
  if (config.DATABASE_URL) {
    return { url: config.DATABASE_URL, ownerUrl: config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL, embedded: null };
  }
  if (!embeddedInstalled) {
    throw new ConfigError(['DATABASE_URL: not set, and this installation has no embedded PostgreSQL (the production image leaves it out): set it to your PostgreSQL server']);
  }
  log.info({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT }, 'DATABASE_URL not set: starting embedded PostgreSQL');
  const embedded = await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
  const url = urlAs(embedded.url, DEFAULT_APP_ROLE, embeddedAppPassword(config.EMBEDDED_PG_DIR));
  return { url, ownerUrl: embedded.url, embedded };
}

/** Applies pending migrations as the owner; explains when the owner URL is the restricted role. */
async function applyMigrations(db: Database, log: Log): Promise<void> {
  const pending = await pendingMigrations(db.ownerUrl);
  if (pending.length === 0) return;
  try {
    await migrate(db.ownerUrl, { info: (m) => log.info(m) });
  } catch (err) {
    if (db.ownerUrl === db.url) {
      const me = await connectedRole(db.url);
      if (!me.superuser && !me.ownsTables) {
        throw new Error(
          `migrations pending (${pending.join(', ')}) and DATABASE_URL's role ${me.role} may not apply them: ` +
            'set MIGRATION_DATABASE_URL to the owner role, or run `npm run migrate` with it first',
          { cause: err },
        );
      }
    }
    throw err;
  }
}

/**
 * Migrations and BullMQ's schema (as the owner), the application role's grants, then — as the
 * application — the default catalogue when no department exists yet and the bootstrap admin.
 */
export async function prepareDatabase(config: Config, db: Database, log: Log): Promise<void> {
  await applyMigrations(db, log);
  const owner = await connectedRole(db.ownerUrl);
  const appRole = urlRole(db.url) ?? (db.url === db.ownerUrl ? owner.role : (await connectedRole(db.url)).role);
  if (!config.REDIS_URL) await prepareQueueSchema({ ownerUrl: db.ownerUrl, appUrl: db.url, prefix: config.QUEUE_PREFIX });
  if (appRole !== owner.role) {
    // The password in DATABASE_URL (the embedded default: its generated one) is the one to have:
    // set it when the role is missing or cannot sign in with it, and leave the role alone otherwise.
    const report = await ensureAppRole(db.ownerUrl, appRole, {
      password: urlPassword(db.url),
      resetPassword: !(await canSignIn(db.url)),
    });
    log.info({ role: report.role, owner: report.owner, created: report.created, queueSchemas: report.queueSchemas }, 'application role has its grants');
    if (report.logSettings === 'not permitted') {
      log.warn({ role: report.role }, 'could not pin the log settings of the application role (the migration role is not a superuser): set them in postgresql.conf (README, PostgreSQL server log)');
    }
  } else if (owner.superuser || owner.ownsTables) {
    log.warn(
      { role: owner.role },
      'the application connects as the owner of the tables: append-only and INSERT-only rules do not bind it. ' +
        'Set MIGRATION_DATABASE_URL to this URL and DATABASE_URL to an application role (npm run cli -- db:roles)',
    );
  }

  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    if ((await countDepartments(pool)) === 0) {
      const added = await withTx(pool, (tx) => loadDefaultCatalogue(tx));
      log.info({ added }, 'no departments yet: loaded the default township catalogue');
    }
    await bootstrapAdmin(serviceDeps({ db: pool, clock: systemClock, log, config }));
  } finally {
    await pool.end();
  }
}
