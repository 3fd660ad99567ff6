// Applies the plain-SQL migrations in migrations/ with node-pg-migrate, under its Postgres advisory
// lock in "wait" mode so that several replicas starting together apply them exactly once.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface MigrateLog {
  info: (msg: string) => void;
}

export async function migrate(databaseUrl: string, log?: MigrateLog): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    checkOrder: true,
    advisoryLockMode: 'wait',
    log: () => undefined,
    verbose: false,
  });
  const names = applied.map((m) => m.name);
  if (names.length > 0) log?.info(`applied migrations: ${names.join(', ')}`);
  return names;
}
