// API keys for integrations: stored as a public prefix plus a hash of the secret part.
import type { Db } from './tx.js';
import { camelRow } from './rows.js';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  keyHash: Buffer;
  scopes: string[];
  active: boolean;
  createdAt: Date;
}

const COLUMNS = 'id::text, name, prefix, key_hash, scopes, active, created_at';
const map = (r: Record<string, unknown>): ApiKeyRow => camelRow<ApiKeyRow>(r);

export async function findApiKeyByPrefix(db: Db, prefix: string): Promise<ApiKeyRow | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM api_keys WHERE prefix = $1`, [prefix]);
  return rows[0] ? map(rows[0]) : null;
}

export async function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM api_keys ORDER BY api_keys.id`);
  return rows.map(map);
}

export async function insertApiKey(
  db: Db,
  k: { name: string; prefix: string; keyHash: Buffer; scopes: string[]; createdBy: string | null },
): Promise<ApiKeyRow> {
  const { rows } = await db.query(
    `INSERT INTO api_keys (name, prefix, key_hash, scopes, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [k.name, k.prefix, k.keyHash, k.scopes, k.createdBy],
  );
  return map(rows[0]);
}

export async function updateApiKey(db: Db, prefix: string, p: { active?: boolean; scopes?: string[]; name?: string }): Promise<ApiKeyRow | null> {
  const { rows } = await db.query(
    `UPDATE api_keys SET active = COALESCE($2, active), scopes = COALESCE($3, scopes), name = COALESCE($4, name)
      WHERE prefix = $1 RETURNING ${COLUMNS}`,
    [prefix, p.active ?? null, p.scopes ?? null, p.name ?? null],
  );
  return rows[0] ? map(rows[0]) : null;
}
