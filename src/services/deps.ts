// What every service receives: the database pool, the clock, a logger, the config, and the pieces
// the composition root (src/runtime.ts) builds once per process — never Fastify.
import type { Pool } from 'pg';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Log } from '../logging.js';
import type { CatalogueCache } from './catalogue.service.js';
import type { PolicyCache } from './policy.service.js';
import type { Notifier } from './notifier.js';
import type { WeComPoster } from './wecom.js';
import type { BlobStore } from '../storage/blob-store.js';

export type { Log };

export interface ServiceDeps {
  db: Pool;
  clock: Clock;
  log: Log;
  config: Config;
  /** Departments, categories and the classifier, cached on `clock`. */
  catalogue: CatalogueCache;
  /** Calendar and SLA policy, cached on `clock`. */
  policy: PolicyCache;
  /** Resident SMS. */
  notifier: Notifier;
  /** The notice's WeCom robot posts. */
  wecom: WeComPoster;
  /** Attachments' bytes, content-addressed (SPEC §17): local disk under ATTACHMENT_DIR today. */
  blobs: BlobStore;
}
