// The schema of BullMQ's PostgreSQL backend (used when REDIS_URL is unset). BullMQ creates it with
// `migrate: true` on connect — CREATE SCHEMA, tables, types and functions, and on a queue's first
// add without a job id a per-queue id sequence (`next_job_id`: CREATE SEQUENCE at run time). The
// application role may do none of that, so the owner does it here, before the queues connect:
// BullMQ's own migrations, the id sequence of every queue we use, and the application role's grants
// on the schema. The queues then connect with `migrate: false` and only check the schema version.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { LATEST_SCHEMA_VERSION, runMigrations } from 'bullmq';
import { QUEUE_NAMES } from '../queue/names.js';
import { queueSchemaName } from '../queue/backend.js';
import { grantQueueSchema, lockRoles, urlRole } from './roles.js';

export interface PrepareQueueSchemaOptions {
  /** The owner (MIGRATION_DATABASE_URL, else DATABASE_URL). */
  ownerUrl: string;
  /** The application's URL: its role gets the grants when it is not the owner. */
  appUrl: string;
  prefix: string;
}

/**
 * Idempotent and cheap when nothing is missing (one read of the version, one of the sequences),
 * so every worker start calls it; then it also works for a role without DDL rights as long as the
 * migration step already prepared the schema.
 */
export async function prepareQueueSchema(opts: PrepareQueueSchemaOptions): Promise<{ schema: string; migrated: boolean }> {
  const schema = queueSchemaName(opts.prefix);
  const c = new pg.Client({ connectionString: opts.ownerUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ me: string; ledger: string | null }>(
      `SELECT current_user AS me, to_regclass(format('%I.migration', $1::text))::text AS ledger`,
      [schema],
    );
    let version = 0;
    if (rows[0].ledger) {
      const { rows: v } = await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${rows[0].ledger}`);
      version = v[0].v ?? 0;
    }
    const me = rows[0].me;
    const migrated = version < LATEST_SCHEMA_VERSION;
    if (migrated) {
      await runMigrations(c, schema).catch((err) => {
        if ((err as { code?: string }).code !== '42501') throw err;
        throw new Error(
          `BullMQ's schema ${schema} is missing or outdated and role ${me} may not create it: run the migration step ` +
            '(npm run migrate) with MIGRATION_DATABASE_URL and without REDIS_URL, or give this process MIGRATION_DATABASE_URL',
          { cause: err },
        );
      });
    }
    const appRole = urlRole(opts.appUrl) ?? (opts.appUrl === opts.ownerUrl ? me : null);

    const sequences = QUEUE_NAMES.map((q) => `bullmq_jid_${md5(q)}`);
    const { rows: missing } = await c.query<{ name: string }>(
      `SELECT name FROM unnest($2::text[]) AS name WHERE to_regclass(format('%I.%I', $1::text, name)) IS NULL`,
      [schema, sequences],
    );
    // A role that does not exist yet gets these grants from ensureAppRole, which runs next.
    const { rows: exists } = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [appRole]);
    const grant = appRole !== null && appRole !== me && exists.length > 0;
    if (missing.length > 0 || grant) {
      await c.query('BEGIN');
      try {
        await lockRoles(c);
        for (const { name } of missing) await c.query(`CREATE SEQUENCE IF NOT EXISTS "${schema}"."${name}"`);
        if (grant) await grantQueueSchema(c, schema, appRole);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
    return { schema, migrated };
  } finally {
    await c.end();
  }
}

/** BullMQ's `job_id_seq_name(queue)`: 'bullmq_jid_' || md5(queue). */
function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}
