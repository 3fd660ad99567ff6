// Applies the plain-SQL migrations in migrations/ with node-pg-migrate, under its Postgres advisory
// lock in "wait" mode so that several replicas starting together apply them exactly once.
import { fileURLToPath } from 'node:url';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface MigrateLog {
  info: (msg: string) => void;
}

export async function migrate(databaseUrl: string, log?: MigrateLog): Promise<string[]> {
  await requireUtf8(databaseUrl);
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

/**
 * Chinese text needs a UTF-8 database: the search index (migration 0023) normalises and splits it
 * by character. A SQL_ASCII database (what initdb makes when LANG is unset) is refused by name.
 */
async function requireUtf8(databaseUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ server_encoding: string; datname: string }>('SELECT current_setting($1) AS server_encoding, current_database() AS datname', ['server_encoding']);
    const { server_encoding: encoding, datname } = rows[0];
    if (encoding !== 'UTF8') {
      throw new Error(
        `database "${datname}" is encoded ${encoding}; Huiying needs UTF8 (Chinese text). ` +
          `Create it with ENCODING 'UTF8' (e.g. CREATE DATABASE ${datname} ${"TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"}) and restore into it.`,
      );
    }
  } finally {
    await c.end();
  }
}

/**
 * Migrations in migrations/ not yet recorded in `pgmigrations`, read-only: a process connected as
 * the application role (which may read that table, not create it) checks with this instead of
 * running the migrator.
 */
export async function pendingMigrations(databaseUrl: string): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort();
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ present: boolean }>(`SELECT to_regclass('pgmigrations') IS NOT NULL AS present`);
    if (!rows[0].present) return files;
    const { rows: applied } = await c.query<{ name: string }>('SELECT name FROM pgmigrations');
    const done = new Set(applied.map((r) => r.name));
    return files.filter((f) => !done.has(f));
  } finally {
    await c.end();
  }
}
