// Process start shared by `npm start`, the CLI and the tests' template database: resolve the
// database (embedded default when DATABASE_URL is unset), apply migrations, first-start data.
import pg from 'pg';
import type { Config } from './config.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { countDepartments } from './db/catalogue.repository.js';
import { withTx } from './db/tx.js';
import { loadDefaultCatalogue } from './services/default-catalogue.js';
import { bootstrapAdmin } from './services/users.service.js';
import type { Log } from './services/deps.js';
import { systemClock } from './clock.js';

export interface Database {
  url: string;
  embedded: EmbeddedServer | null;
}

export async function resolveDatabase(config: Config, log: Log): Promise<Database> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: null };
  log.info({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT }, 'DATABASE_URL not set: starting embedded PostgreSQL');
  const embedded = await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
  return { url: embedded.url, embedded };
}

/** Migrations, the default catalogue when no department exists yet, and the bootstrap admin. */
export async function prepareDatabase(config: Config, url: string, log: Log): Promise<void> {
  await migrate(url, { info: (m) => log.info(m) });
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    if ((await countDepartments(pool)) === 0) {
      const added = await withTx(pool, (tx) => loadDefaultCatalogue(tx));
      log.info({ added }, 'no departments yet: loaded the default township catalogue');
    }
    await bootstrapAdmin({ db: pool, clock: systemClock, log, config });
  } finally {
    await pool.end();
  }
}
