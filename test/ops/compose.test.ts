// docker-compose.yml cannot be run on the CI machines (no Docker engine): check its shape instead,
// and that the app services only set variables that src/config.ts knows and accepts — with the
// operator's generated secrets, and not with .env.example copied unchanged.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { configSchema, SECRET_VARIABLES } from '../../src/config.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string | string[] };
}

const file = new URL('../../docker-compose.yml', import.meta.url);
// `merge: true`: the file shares the app services' settings through `<<: *app` merge keys.
const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const APP_SERVICES = ['migrate', 'api', 'worker'] as const;
const KNOWN = new Set([...Object.keys(configSchema.shape), ...SECRET_VARIABLES.map((n) => `${n}_FILE`)]);
/** Variables of .env that only compose reads (the postgres image, the database URLs, the port). */
const COMPOSE_ONLY = new Set(['POSTGRES_PASSWORD', 'APP_DB_PASSWORD', 'HY_PUBLISH']);

const commandOf = (s: Service): string => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));

function envOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR:?error}` interpolation over an .env. */
const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;
const interpolate = (v: string, dotenv: Record<string, string> = GENERATED): string =>
  v.replace(INTERPOLATION, (_m, name: string, op: string | undefined, arg: string) => {
    const value = dotenv[name];
    if (op === ':?' && !value) throw new Error(`compose refuses: ${arg}`);
    if (op === ':-' && !value) return arg;
    return value ?? '';
  });
const interpolatedNames = (v: string): string[] => [...v.matchAll(INTERPOLATION)].map((m) => m[1]);

/** An operator's .env: generated secrets (openssl rand -hex), as .env.example asks. */
const GENERATED: Record<string, string> = {
  POSTGRES_PASSWORD: '5e0c7a9b2d4f6e8a1c3b5d7f9e0a2c4b',
  APP_DB_PASSWORD: 'b7d9f1a3c5e7092b4d6f8a0c2e4a6c8e',
  SESSION_SECRET: '2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c0e2b4d6f8a0c1e3a5c',
  PUBLIC_BASE_URL: 'https://hy.example.gov.cn',
  TRUST_PROXY: '172.30.57.1',
};
const dotenvOf = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .map((l) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
const EXAMPLE_ENV = dotenvOf(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8'));

t.test('the five services exist', async (t) => {
  for (const name of ['postgres', 'redis', 'migrate', 'api', 'worker']) {
    t.ok(services[name], `service ${name}`);
  }
  t.match(services.postgres.image, /^postgres:15/);
  t.ok(services.postgres.healthcheck?.test, 'postgres has a healthcheck');
  t.match(services.redis.image, /^redis:7/);
});

t.test('api and worker run their roles, migrate runs the migrations', async (t) => {
  // Plain node on the compiled code (no npm between tini and the server).
  t.match(commandOf(services.api), /^node --enable-source-maps dist\/src\/main\.js --role api$/);
  t.match(commandOf(services.worker), /^node --enable-source-maps dist\/src\/main\.js --role worker$/);
  t.match(commandOf(services.migrate), /^node --enable-source-maps dist\/src\/cli\.js migrate$/);
  for (const name of ['api', 'worker'] as const) {
    const deps = services[name].depends_on;
    t.notOk(Array.isArray(deps), `${name}: depends_on with conditions`);
    const d = deps as Record<string, { condition?: string }>;
    t.equal(d.migrate?.condition, 'service_completed_successfully', `${name} waits for migrate`);
    t.equal(d.postgres?.condition, 'service_healthy', `${name} waits for a healthy postgres`);
  }
});

t.test('api gets the variables it needs', async (t) => {
  const env = envOf(services.api);
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'SESSION_SECRET', 'BOOTSTRAP_ADMIN_PASSWORD', 'PUBLIC_BASE_URL']) {
    t.ok(name in env, `api sets ${name}`);
  }
  t.match(JSON.stringify((services.api as { ports?: unknown }).ports ?? []), /3000/, 'api publishes port 3000');
  t.ok('REDIS_URL' in envOf(services.worker), 'worker uses Redis');
});

t.test('the app services set only variables that the config schema knows, with valid values', async (t) => {
  for (const name of APP_SERVICES) {
    const env = envOf(services[name]);
    for (const [key, value] of Object.entries(env)) {
      t.ok(KNOWN.has(key), `${name}: ${key} is a config variable`);
      for (const used of interpolatedNames(value)) {
        t.ok(KNOWN.has(used) || COMPOSE_ONLY.has(used), `${name}: \${${used}} is a config variable or a compose one`);
      }
    }
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v)]));
    const parsed = configSchema.safeParse(resolved);
    t.ok(parsed.success, `${name}: its environment passes config validation`, {
      issues: parsed.success ? [] : parsed.error.issues,
    });
  }
});

t.test('.env.example copied unchanged: every app service refuses to start, naming the example secrets', async (t) => {
  const example = { ...EXAMPLE_ENV, PUBLIC_BASE_URL: 'https://hy.example.gov.cn' };
  for (const name of APP_SERVICES) {
    const env = Object.fromEntries(Object.entries(envOf(services[name])).map(([k, v]) => [k, interpolate(v, example)]));
    const parsed = configSchema.safeParse(env);
    const refused = parsed.success ? [] : parsed.error.issues.map((i) => String(i.path[0]));
    t.ok(refused.includes('DATABASE_URL'), `${name}: DATABASE_URL with the example password refused (${refused.join(', ')})`);
    if (name !== 'migrate') t.ok(refused.includes('SESSION_SECRET'), `${name}: the example SESSION_SECRET refused`);
    else t.ok(refused.includes('MIGRATION_DATABASE_URL'), 'migrate: the example owner password refused');
  }
});

t.test('without a .env, compose itself refuses: the required secrets have no default', async (t) => {
  for (const missing of ['POSTGRES_PASSWORD', 'APP_DB_PASSWORD', 'SESSION_SECRET', 'PUBLIC_BASE_URL']) {
    const dotenv = { ...GENERATED, [missing]: '' };
    const all = [...Object.values(services).flatMap((s) => Object.values(envOf(s)))];
    t.throws(() => all.forEach((v) => interpolate(v, dotenv)), { message: new RegExp(`set ${missing} in \\.env`) }, `${missing} empty`);
  }
});

t.test('two database roles: migrate runs as the owner, api and worker as the application role', async (t) => {
  const user = (url: string | undefined) => (url ? decodeURIComponent(new URL(interpolate(url)).username) : undefined);
  const pg = envOf(services.postgres);
  const migrate = envOf(services.migrate);
  t.equal(user(migrate.MIGRATION_DATABASE_URL), pg.POSTGRES_USER, 'migrate migrates as the owner (POSTGRES_USER)');
  const appRole = user(migrate.DATABASE_URL);
  t.ok(appRole && appRole !== pg.POSTGRES_USER, `migrate creates and grants the application role (${appRole})`);
  for (const name of ['api', 'worker'] as const) {
    const env = envOf(services[name]);
    t.equal(user(env.DATABASE_URL), appRole, `${name} connects as the application role`);
    t.equal(interpolate(env.DATABASE_URL), interpolate(migrate.DATABASE_URL), `${name}: the same URL and password migrate gave the role`);
    t.notOk('MIGRATION_DATABASE_URL' in env, `${name} does not hold the owner's URL`);
  }
});

t.test('the PostgreSQL server log keeps no statement text, detail or parameters of failures', async (t) => {
  const cmd = commandOf(services.postgres);
  t.match(cmd, /^postgres /);
  for (const setting of ['log_min_error_statement=panic', 'log_error_verbosity=terse', 'log_parameter_max_length=0', 'log_parameter_max_length_on_error=0', 'log_statement=none']) {
    t.match(cmd, new RegExp(`-c ${setting}\\b`), setting);
  }
});

t.test('redis keeps the queues: AOF on, a memory bound and no eviction', async (t) => {
  const cmd = commandOf(services.redis);
  t.match(cmd, /--appendonly yes\b/);
  t.match(cmd, /--maxmemory \d+[kmg]b\b/);
  t.match(cmd, /--maxmemory-policy noeviction\b/);
});
