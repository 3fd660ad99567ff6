// API keys for integrations (SPEC §10): created by an admin, shown once, stored hashed, scoped.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import { withTx } from '../db/tx.js';
import { appendAudit } from '../db/audit.repository.js';
import * as repo from '../db/api-keys.repository.js';
import type { ServiceDeps } from './deps.js';

const ALPHANUM = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

function randomPrefix(): string {
  const bytes = randomBytes(8);
  return [...bytes].map((b) => ALPHANUM[b % ALPHANUM.length]).join('');
}

/** What is stored of a key's secret: its SHA-256 digest. */
export function apiKeyHash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** The active key with this prefix whose secret matches (compared in constant time), or null. */
export async function verifyApiKey(deps: Pick<ServiceDeps, 'db'>, prefix: string, secret: string) {
  const key = await repo.findApiKeyByPrefix(deps.db, prefix);
  return key && key.active && timingSafeEqual(key.keyHash, apiKeyHash(secret)) ? key : null;
}

export function apiKeyView(k: repo.ApiKeyRow) {
  return { prefix: k.prefix, name: k.name, scopes: k.scopes, active: k.active, createdAt: k.createdAt.toISOString() };
}

export async function createApiKey(deps: ServiceDeps, actor: { username: string; userId: string }, input: { name: string; scopes: string[] }) {
  const prefix = randomPrefix();
  const secret = randomBytes(24).toString('base64url');
  const now = deps.clock.now();
  const row = await withTx(deps.db, async (tx) => {
    const k = await repo.insertApiKey(tx, { name: input.name, prefix, keyHash: apiKeyHash(secret), scopes: input.scopes, createdBy: actor.userId });
    await appendAudit(tx, { actor: `user:${actor.username}`, action: 'api_key.create', target: `api_key:${prefix}`, data: { name: input.name, scopes: input.scopes }, at: now });
    return k;
  });
  // The only time the key is shown: only its hash is kept.
  return { ...apiKeyView(row), key: `hy_${prefix}_${secret}` };
}

export async function updateApiKey(deps: ServiceDeps, actor: string, prefix: string, patch: { active?: boolean; scopes?: string[]; name?: string }) {
  const now = deps.clock.now();
  return withTx(deps.db, async (tx) => {
    const k = await repo.updateApiKey(tx, prefix, patch);
    if (!k) throw new DomainError('NOT_FOUND', '没有这个接口密钥');
    await appendAudit(tx, { actor, action: 'api_key.update', target: `api_key:${prefix}`, data: patch, at: now });
    return apiKeyView(k);
  });
}

export async function listApiKeyViews(deps: ServiceDeps) {
  return (await repo.listApiKeys(deps.db)).map(apiKeyView);
}
