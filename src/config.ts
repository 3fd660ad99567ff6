// Configuration: one zod schema over process.env, parsed once at start. Nothing else reads process.env.
// Every secret may come from a file (`NAME_FILE`, e.g. a Docker secret), and a secret that still
// holds a published example value (.env.example, the README, an old docker-compose.yml) is refused.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

/** The variables that carry a secret: each may be given as NAME_FILE (the file's trimmed content). */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'MIGRATION_DATABASE_URL',
  'REDIS_URL',
  'SESSION_SECRET',
  'AUDIT_CHECKPOINT_KEY',
  'BOOTSTRAP_ADMIN_PASSWORD',
  'METRICS_TOKEN',
  'SMS_HTTP_URL',
  'WECOM_WEBHOOK_URLS',
  'HOTLINE_WEBHOOK_URL',
  'HOTLINE_WEBHOOK_SECRET',
  'WECOM_CALLBACK_TOKEN',
  'WECOM_CALLBACK_AES_KEY',
  'WECOM_CALLBACK_AES_KEY_PREVIOUS',
  'WECOM_CORP_SECRET',
  'WECHAT_MP_TOKEN',
  'WECHAT_MP_AES_KEY',
  'WECHAT_MP_AES_KEY_PREVIOUS',
  'WECHAT_MP_APPSECRET',
  'WECOM_GROUP_ROBOTS',
] as const;

/**
 * Secrets that were published: the defaults of the old docker-compose.yml and the placeholders
 * the README shows. Every placeholder in .env.example contains "change-me", which is refused
 * anywhere in a secret (test/ops/config.test.ts reads both files against this).
 */
export const EXAMPLE_SECRETS = [
  'change-me-now-please',
  'compose-demo-secret-change-me-0123456789abcdef',
  'huiying-app-change-me',
  'huiying',
  'owner-password',
  'app-password',
];
const PLACEHOLDER = /change-?me/i;

/** Whether a secret (or a password inside a URL) is a published example value. */
export function isExampleSecret(value: string): boolean {
  const v = value.trim();
  return PLACEHOLDER.test(v) || EXAMPLE_SECRETS.includes(v.toLowerCase());
}

/** The password of a URL (percent-decoded), '' when it has none or does not parse. */
function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

const EXAMPLE = 'is an example value (.env.example, README, old docker-compose.yml): set a secret of your own';
const EXAMPLE_IN_URL = 'holds an example password or placeholder (.env.example, README, old docker-compose.yml): set one of your own';
const notExample = (v: string | undefined) => v === undefined || !isExampleSecret(v);
const notExampleUrl = (v: string | undefined) => v === undefined || !(PLACEHOLDER.test(v) || isExampleSecret(urlPassword(v)));

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const urlList = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(/[\s,]+/).filter(Boolean))
  .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be a comma-separated list of http(s) URLs' })))
  .refine((urls) => urls.every((u) => notExampleUrl(u)), EXAMPLE_IN_URL);

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

const postgresUrl = optionalString
  .pipe(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional())
  .refine(notExampleUrl, EXAMPLE_IN_URL);

/** One IPv4/IPv6 address or CIDR range (what Fastify's trustProxy accepts as a list). */
const isAddressOrCidr = (s: string): boolean => {
  const [addr, bits, extra] = s.split('/');
  const family = isIP(addr);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
};

/**
 * false (the default): the client IP is the TCP peer. A list of the reverse proxy's addresses
 * (IPs or CIDRs): X-Forwarded-For is believed only from them. true: from any peer — only when
 * nothing but the proxy can reach the port.
 */
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): boolean | string[] => {
    const s = (v ?? '').trim();
    if (s === '' || s === 'false' || s === '0') return false;
    if (s === 'true' || s === '1') return true;
    const list = s.split(/[\s,]+/).filter(Boolean);
    if (list.every(isAddressOrCidr)) return list;
    ctx.addIssue({ code: 'custom', message: 'must be true, false, or the reverse proxy\'s addresses (IPs or CIDRs, comma-separated, e.g. 172.30.57.1)' });
    return z.NEVER;
  });

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

/** A callback token (WeChat allows 3-32 letters and digits). */
const callbackToken = optionalString
  .pipe(z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3-32 letters or digits (as set on the WeChat/WeCom console)').optional())
  .refine(notExample, EXAMPLE);
/** EncodingAESKey: 43 Base64 characters (the console generates it). */
const encodingAesKey = optionalString
  .pipe(z.string().regex(/^[A-Za-z0-9+/]{43}$/, 'must be the 43-character EncodingAESKey from the WeChat/WeCom console').optional())
  .refine(notExample, EXAMPLE);
const apiBase = (fallback: string) => optionalString
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional())
  .transform((v) => (v ?? fallback).replace(/\/+$/, ''));
/** SPEC §17: `{"<ChatId>": "<robot webhook URL>"}` — which group robot answers in which group. */
const groupRobots = optionalString.transform((v, ctx): Record<string, string> => {
  if (v === undefined) return {};
  const error = 'must be a JSON object {"<group ChatId>": "<robot webhook http(s) URL>"}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: error });
    return z.NEVER;
  }
  const r = z.record(z.string().min(1).max(128), z.url({ protocol: /^https?$/ })).safeParse(parsed);
  if (!r.success || Object.values(r.data).some((u) => !notExampleUrl(u))) {
    ctx.addIssue({ code: 'custom', message: error });
    return z.NEVER;
  }
  return r.data;
});

export const configSchema = z.object({
  /** The application's connection: a role with only the grants it needs (src/db/roles.ts). */
  DATABASE_URL: postgresUrl,
  /** Migrations and grants run as this role, the owner of the tables; defaults to DATABASE_URL. */
  MIGRATION_DATABASE_URL: postgresUrl,
  REDIS_URL: optionalString.pipe(z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional()).refine(notExampleUrl, EXAMPLE_IN_URL),
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
  SESSION_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()).refine(notExample, EXAMPLE),
  /** HMAC key of the daily audit checkpoints (defaults to SESSION_SECRET); never stored in the database. */
  AUDIT_CHECKPOINT_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()).refine(notExample, EXAMPLE),
  BOOTSTRAP_ADMIN_PASSWORD: optionalString.pipe(z.string().min(10, 'must be at least 10 characters').optional()).refine(notExample, EXAMPLE),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMS_PROVIDER: z.enum(['log', 'http']).default('log'),
  SMS_HTTP_URL: optionalString.pipe(z.url().optional()).refine(notExampleUrl, EXAMPLE_IN_URL),
  WECOM_WEBHOOK_URLS: urlList,
  /** SPEC §15: where reports back to the 12345 platform are POSTed; unset → the export is the ledger. */
  HOTLINE_WEBHOOK_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()).refine(notExampleUrl, EXAMPLE_IN_URL),
  /** The HMAC-SHA256 key of the X-Huiying-Signature header, agreed with the platform. */
  HOTLINE_WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()).refine(notExample, EXAMPLE),
  /** SPEC §17 WeCom callback (GET|POST /api/v1/intake/wecom): token, EncodingAESKey, CorpId; all three or none. */
  WECOM_CALLBACK_TOKEN: callbackToken,
  WECOM_CALLBACK_AES_KEY: encodingAesKey,
  /** The key before a rotation, still accepted until the console's new one is in use everywhere. */
  WECOM_CALLBACK_AES_KEY_PREVIOUS: encodingAesKey,
  WECOM_CORP_ID: optionalString.pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be the CorpId (letters, digits)').optional()),
  /** The application's Secret: the workers fetch photos and recordings with it (gettoken, media/get). */
  WECOM_CORP_SECRET: optionalString.refine(notExample, EXAMPLE),
  WECOM_API_BASE: apiBase('https://qyapi.weixin.qq.com'),
  /** SPEC §17 Official Account push (GET|POST /api/v1/intake/wechat-mp): token; AES key and AppId for safe mode. */
  WECHAT_MP_TOKEN: callbackToken,
  WECHAT_MP_AES_KEY: encodingAesKey,
  WECHAT_MP_AES_KEY_PREVIOUS: encodingAesKey,
  WECHAT_MP_APPID: optionalString.pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be the AppId (letters, digits)').optional()),
  WECHAT_MP_APPSECRET: optionalString.refine(notExample, EXAMPLE),
  WECHAT_MP_API_BASE: apiBase('https://api.weixin.qq.com'),
  WECOM_GROUP_ROBOTS: groupRobots,
  TRUST_PROXY: trustProxy,
  /** Bearer token that lets a scraper read /metrics from another host (loopback needs none). */
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()).refine(notExample, EXAMPLE),
  PUBLIC_LOOKUP_RATE_LIMIT: wholeNumber(1, 100000, 30),
  /** Namespace of the queues (Redis key prefix / BullMQ schema suffix): one per deployment. */
  QUEUE_PREFIX: z.string().regex(/^[a-z0-9_]{1,20}$/, 'must be 1-20 lowercase letters, digits or _').default('hy'),
  /** How long a job is leased to a worker; a killed worker's job is retried after this. */
  QUEUE_LOCK_MS: wholeNumber(1000, 600_000, 30_000),
  /** How long a queued effect may stay incomplete after it was due before the outbox reconciler republishes it. */
  QUEUE_RECONCILE_MS: wholeNumber(1000, 86_400_000, 60_000),
  EMBEDDED_PG_DIR: z.string().default('./data/postgres'),
  /** SPEC §17: where attachments' bytes live, named by content hash (src/storage/local-disk.ts). */
  ATTACHMENT_DIR: z.string().min(1).default('./data/attachments'),
  EMBEDDED_PG_PORT: wholeNumber(1024, 65535, 54329, 'a port number (1024-65535)'),
  /** The workers touch this file after every successful outbox pass (the container health probe reads it); unset: none. */
  HEARTBEAT_FILE: optionalString,
});

export type Config = Omit<z.infer<typeof configSchema>, 'PUBLIC_BASE_URL'> & { PUBLIC_BASE_URL: string };

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const isSet = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/**
 * NAME_FILE → NAME for every secret variable: the file's content, trimmed. Returns the environment
 * to parse, the names whose value came from a file, and one line per problem.
 */
function readSecretFiles(env: Record<string, string | undefined>): { env: Record<string, string | undefined>; fromFile: Set<string>; problems: string[] } {
  const out = { ...env };
  const fromFile = new Set<string>();
  const problems: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (!isSet(file)) continue;
    if (isSet(env[name])) {
      problems.push(`${name}: set either ${name} or ${name}_FILE, not both`);
      continue;
    }
    let content: string;
    try {
      content = readFileSync(file.trim(), 'utf8').trim();
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file.trim()} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      continue;
    }
    if (content === '') {
      problems.push(`${name}_FILE: ${file.trim()} is empty`);
      continue;
    }
    out[name] = content;
    fromFile.add(name);
  }
  return { env: out, fromFile, problems };
}

/** Parses the environment; throws ConfigError with one line per bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const secrets = readSecretFiles(env);
  const result = configSchema.safeParse(secrets.env);
  if (!result.success || secrets.problems.length > 0) {
    const named = (path: PropertyKey[]) => {
      const name = path.map(String).join('.') || '(env)';
      return secrets.fromFile.has(String(path[0])) ? `${name} (from ${String(path[0])}_FILE)` : name;
    };
    const problems = result.success ? [] : result.error.issues.map((i) => `${named(i.path)}: ${i.message}`);
    throw new ConfigError([...secrets.problems, ...problems]);
  }
  if (result.data.MIGRATION_DATABASE_URL && !result.data.DATABASE_URL) {
    // The embedded default manages both roles itself; an owner URL alone names no application role.
    throw new ConfigError(['MIGRATION_DATABASE_URL: needs DATABASE_URL (the application role) beside it']);
  }
  const c = result.data;
  const pairs: [string, string | undefined, string, string | undefined][] = [
    ['WECOM_CALLBACK_TOKEN', c.WECOM_CALLBACK_TOKEN, 'WECOM_CALLBACK_AES_KEY', c.WECOM_CALLBACK_AES_KEY],
    ['WECOM_CALLBACK_TOKEN', c.WECOM_CALLBACK_TOKEN, 'WECOM_CORP_ID', c.WECOM_CORP_ID],
    ['WECHAT_MP_AES_KEY', c.WECHAT_MP_AES_KEY, 'WECHAT_MP_TOKEN', c.WECHAT_MP_TOKEN],
    ['WECHAT_MP_AES_KEY', c.WECHAT_MP_AES_KEY, 'WECHAT_MP_APPID', c.WECHAT_MP_APPID],
    ['WECOM_CALLBACK_AES_KEY_PREVIOUS', c.WECOM_CALLBACK_AES_KEY_PREVIOUS, 'WECOM_CALLBACK_AES_KEY', c.WECOM_CALLBACK_AES_KEY],
    ['WECHAT_MP_AES_KEY_PREVIOUS', c.WECHAT_MP_AES_KEY_PREVIOUS, 'WECHAT_MP_AES_KEY', c.WECHAT_MP_AES_KEY],
  ];
  const missing = pairs.filter(([, a, , b]) => a !== undefined && b === undefined).map(([a, , b]) => `${b}: needed with ${a}`);
  if (missing.length > 0) throw new ConfigError(missing);
  // Follows PORT, so a changed port does not leave every receipt QR code and SMS link dead.
  return { ...c, PUBLIC_BASE_URL: c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}` };
}
