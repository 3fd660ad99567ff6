// The composition root's one recipe, used by src/main.ts (through buildApp and startWorkers),
// workers/index.ts, the CLI and the bootstrap: what a process builds once — the catalogue and
// policy caches (expiring on the injected clock), the SMS notifier and the WeCom poster — and how
// the services' deps and the workers' pool are made from it.
import type { Pool } from 'pg';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Log } from './logging.js';
import { createPool } from './db/pool.js';
import { prepareQueueSchema } from './db/queue-schema.js';
import { createCatalogueCache } from './services/catalogue.service.js';
import { createPolicyCache } from './services/policy.service.js';
import { createNotifier } from './services/notifier.js';
import { postToWeCom } from './services/wecom.js';
import type { ServiceDeps } from './services/deps.js';
import { localDiskStore } from './storage/local-disk.js';

/** The pieces of ServiceDeps a process builds once and hands to the API and the workers alike. */
export type Shared = Pick<ServiceDeps, 'catalogue' | 'policy' | 'notifier' | 'wecom' | 'blobs'>;

export function createShared(config: Pick<Config, 'SMS_PROVIDER' | 'SMS_HTTP_URL' | 'ATTACHMENT_DIR'>, given: Partial<Shared> = {}): Shared {
  return {
    catalogue: given.catalogue ?? createCatalogueCache(),
    policy: given.policy ?? createPolicyCache(),
    notifier: given.notifier ?? createNotifier(config),
    wecom: given.wecom ?? postToWeCom,
    blobs: given.blobs ?? localDiskStore(config.ATTACHMENT_DIR),
  };
}

/** What every service receives; `shared` defaults to a fresh set (a process of its own). */
export function serviceDeps<C extends Config>(base: { db: Pool; clock: Clock; log: Log; config: C }, shared?: Shared): ServiceDeps & { config: C } {
  return { ...base, ...(shared ?? createShared(base.config)) };
}

/**
 * The workers' pool, once BullMQ's PostgreSQL schema for their queue prefix is in place: that is
 * DDL the application role may not run, so the owner (when its URL is given, as the tests do)
 * prepares it; otherwise the migration step already has.
 */
export async function openWorkerPool(config: Config & { DATABASE_URL: string }, log: Log, prefix: string): Promise<Pool> {
  if (!config.REDIS_URL) {
    await prepareQueueSchema({ ownerUrl: config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL, appUrl: config.DATABASE_URL, prefix });
  }
  return createPool(config.DATABASE_URL, log, 'workers', { max: 10 });
}
