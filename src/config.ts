// Configuration: one zod schema over process.env, parsed once at start. Nothing else reads process.env.
import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const urlList = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(/[\s,]+/).filter(Boolean))
  .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be a comma-separated list of http(s) URLs' })));

/**
 * A whole number from `min` to `max`, with one message for every way it can be wrong (zod's own
 * "expected number, received NaN" tells an operator little); empty counts as unset (the default).
 */
const wholeNumber = (min: number, max: number, fallback: number, what = `a whole number from ${min} to ${max}`) => {
  const error = `must be ${what}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback),
  );
};

const postgresUrl = optionalString.pipe(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional());

/** The name a fresh installation shows until TOWNSHIP_NAME is set (the start log says so). */
export const DEFAULT_TOWNSHIP_NAME = '示例镇';

const phoneList = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(/[\s,，、;；]+/).filter(Boolean))
  .pipe(
    z.array(
      z.string().regex(/^\d[\d-]{2,19}$/, 'must be a comma-separated list of phone numbers (digits and -, e.g. 0571-88881234,12345)'),
    ),
  );

export const configSchema = z.object({
  /** The application's connection: a role with only the grants it needs (src/db/roles.ts). */
  DATABASE_URL: postgresUrl,
  /** Migrations and grants run as this role, the owner of the tables; defaults to DATABASE_URL. */
  MIGRATION_DATABASE_URL: postgresUrl,
  REDIS_URL: optionalString.pipe(z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional()),
  PORT: wholeNumber(0, 65535, 3000, 'a port number (0-65535)'),
  HOST: z.string().default('0.0.0.0'),
  /** Unset: http://localhost:<PORT> (see loadConfig), and the start log warns. */
  PUBLIC_BASE_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  /** Shown on pages, receipts and notices, and the SMS signature 【…】. */
  TOWNSHIP_NAME: optionalString
    .pipe(
      z
        .string()
        .min(2, 'must be 2-20 characters')
        .max(20, 'must be 2-20 characters')
        .regex(/^[^【】[\]<>]+$/, 'must not contain brackets')
        .optional(),
    )
    .transform((v) => v ?? DEFAULT_TOWNSHIP_NAME),
  /** The township's official hotline numbers, printed on receipts, notices and pages. */
  TOWNSHIP_HOTLINES: phoneList,
  SESSION_SECRET: optionalString.pipe(
    z.string().min(32, 'must be at least 32 characters').optional(),
  ),
  /** HMAC key of the daily audit checkpoints (defaults to SESSION_SECRET); never stored in the database. */
  AUDIT_CHECKPOINT_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  BOOTSTRAP_ADMIN_PASSWORD: optionalString.pipe(z.string().min(10, 'must be at least 10 characters').optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMS_PROVIDER: z.enum(['log', 'http']).default('log'),
  SMS_HTTP_URL: optionalString.pipe(z.url().optional()),
  WECOM_WEBHOOK_URLS: urlList,
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** Bearer token that lets a scraper read /metrics from another host (loopback needs none). */
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  PUBLIC_LOOKUP_RATE_LIMIT: wholeNumber(1, 100000, 30),
  /** Namespace of the queues (Redis key prefix / BullMQ schema suffix): one per deployment. */
  QUEUE_PREFIX: z.string().regex(/^[a-z0-9_]{1,20}$/, 'must be 1-20 lowercase letters, digits or _').default('hy'),
  /** How long a job is leased to a worker; a killed worker's job is retried after this. */
  QUEUE_LOCK_MS: wholeNumber(1000, 600_000, 30_000),
  /** How long a queued effect may stay incomplete after it was due before the outbox reconciler republishes it. */
  QUEUE_RECONCILE_MS: wholeNumber(1000, 86_400_000, 60_000),
  EMBEDDED_PG_DIR: z.string().default('./data/postgres'),
  EMBEDDED_PG_PORT: wholeNumber(1024, 65535, 54329, 'a port number (1024-65535)'),
});

export type Config = Omit<z.infer<typeof configSchema>, 'PUBLIC_BASE_URL'> & { PUBLIC_BASE_URL: string };

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Parses the environment; throws ConfigError with one line per bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(problems);
  }
  if (result.data.MIGRATION_DATABASE_URL && !result.data.DATABASE_URL) {
    // The embedded default manages both roles itself; an owner URL alone names no application role.
    throw new ConfigError(['MIGRATION_DATABASE_URL: needs DATABASE_URL (the application role) beside it']);
  }
  const c = result.data;
  // Follows PORT, so a changed port does not leave every receipt QR code and SMS link dead.
  return { ...c, PUBLIC_BASE_URL: c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}` };
}
