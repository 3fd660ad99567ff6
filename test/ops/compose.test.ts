// docker-compose.yml cannot be run on the CI machines (no Docker engine): check its shape instead,
// and that the app services only set variables that src/config.ts knows and accepts.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { configSchema } from '../../src/config.js';

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
const KNOWN = new Set(Object.keys(configSchema.shape));

const commandOf = (s: Service): string => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));

function envOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}` interpolation with an empty host env. */
const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+]([^}]*))?\}/g;
const interpolate = (v: string): string => v.replace(INTERPOLATION, (_m, _name, dflt: string | undefined) => dflt ?? '');
const interpolatedNames = (v: string): string[] => [...v.matchAll(INTERPOLATION)].map((m) => m[1]);

t.test('the five services exist', async (t) => {
  for (const name of ['postgres', 'redis', 'migrate', 'api', 'worker']) {
    t.ok(services[name], `service ${name}`);
  }
  t.match(services.postgres.image, /^postgres:15/);
  t.ok(services.postgres.healthcheck?.test, 'postgres has a healthcheck');
  t.match(services.redis.image, /^redis:7/);
});

t.test('api and worker run their roles, migrate runs the migrations', async (t) => {
  t.match(commandOf(services.api), /^npm start -- --role api$/);
  t.match(commandOf(services.worker), /^npm start -- --role worker$/);
  t.match(commandOf(services.migrate), /^npm run migrate$/);
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
        t.ok(KNOWN.has(used), `${name}: \${${used}} is a config variable`);
      }
    }
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v)]));
    const parsed = configSchema.safeParse(resolved);
    t.ok(parsed.success, `${name}: its environment passes config validation`, {
      issues: parsed.success ? [] : parsed.error.issues,
    });
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

t.test('redis keeps the queues: AOF on and no eviction', async (t) => {
  const cmd = commandOf(services.redis);
  t.match(cmd, /--appendonly yes\b/);
  t.match(cmd, /--maxmemory-policy noeviction\b/);
});
