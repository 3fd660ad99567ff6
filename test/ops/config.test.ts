// Configuration defaults that follow other variables, the township's name and hotlines, secrets
// from files and published example secrets refused, TRUST_PROXY, and the warnings every start logs
// (an address residents cannot reach, a missing holiday calendar, the example township name).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ConfigError, DEFAULT_TOWNSHIP_NAME, SECRET_VARIABLES, loadConfig } from '../../src/config.js';
import { resolveDatabase } from '../../src/bootstrap.js';
import { isLocalAddress, logStartWarnings, startWarnings } from '../../src/start-warnings.js';
import { createTestDb } from '../helpers/db.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

t.test('PUBLIC_BASE_URL follows PORT unless set', async (t) => {
  t.equal(loadConfig({}).PUBLIC_BASE_URL, 'http://localhost:3000', 'the default port');
  t.equal(loadConfig({ PORT: '8080' }).PUBLIC_BASE_URL, 'http://localhost:8080', 'a changed port changes the address');
  t.equal(loadConfig({ PORT: '8080', PUBLIC_BASE_URL: 'https://hy.example.gov.cn' }).PUBLIC_BASE_URL, 'https://hy.example.gov.cn');
  t.equal(loadConfig({ PORT: '8080', PUBLIC_BASE_URL: '' }).PUBLIC_BASE_URL, 'http://localhost:8080', 'empty counts as unset');
  t.match(problemsOf({ PUBLIC_BASE_URL: 'ftp://x' }), [/^PUBLIC_BASE_URL: must be an http\(s\) URL$/]);
});

t.test('TOWNSHIP_NAME: a default, trimmed, 2-20 characters, no brackets', async (t) => {
  t.equal(loadConfig({}).TOWNSHIP_NAME, DEFAULT_TOWNSHIP_NAME);
  t.equal(loadConfig({ TOWNSHIP_NAME: ' 东山镇 ' }).TOWNSHIP_NAME, '东山镇');
  t.equal(loadConfig({ TOWNSHIP_NAME: '' }).TOWNSHIP_NAME, DEFAULT_TOWNSHIP_NAME, 'empty counts as unset (compose passes ${TOWNSHIP_NAME:-})');
  t.match(problemsOf({ TOWNSHIP_NAME: '镇' }), [/^TOWNSHIP_NAME: must be 2-20 characters$/]);
  t.match(problemsOf({ TOWNSHIP_NAME: '东'.repeat(21) }), [/^TOWNSHIP_NAME: must be 2-20 characters$/]);
  t.match(problemsOf({ TOWNSHIP_NAME: '【东山镇】' }), [/^TOWNSHIP_NAME: must not contain brackets$/], 'the SMS signature adds its own');
});

t.test('TOWNSHIP_HOTLINES: a list of phone numbers, separated by commas (also Chinese ones) or spaces', async (t) => {
  t.same(loadConfig({}).TOWNSHIP_HOTLINES, []);
  t.same(loadConfig({ TOWNSHIP_HOTLINES: '0571-88881234, 12345' }).TOWNSHIP_HOTLINES, ['0571-88881234', '12345']);
  t.same(loadConfig({ TOWNSHIP_HOTLINES: '0571-88881234，12345、13800000000' }).TOWNSHIP_HOTLINES, ['0571-88881234', '12345', '13800000000']);
  const problems = problemsOf({ TOWNSHIP_HOTLINES: '0571-88881234,镇热线' });
  t.equal(problems.length, 1, 'one line for the bad value');
  t.match(problems[0], /^TOWNSHIP_HOTLINES\.1: must be a comma-separated list of phone numbers/);
});

t.test('isLocalAddress: addresses a resident’s phone cannot open', async (t) => {
  for (const url of ['http://localhost:3000', 'http://LOCALHOST', 'http://hy.localhost:3000', 'http://127.0.0.1:3000', 'http://127.1.2.3', 'http://[::1]:3000', 'http://0.0.0.0:3000']) {
    t.ok(isLocalAddress(url), url);
  }
  for (const url of ['https://hy.example.gov.cn', 'http://192.168.1.20:3000', 'http://10.0.0.5', 'http://localhost.example.com', 'http://127.example.com']) {
    t.notOk(isLocalAddress(url), url);
  }
});

const NOW = new Date('2026-12-02T01:00:00Z'); // 2026-12-02 09:00 Beijing time
const configured = { PUBLIC_BASE_URL: 'https://hy.example.gov.cn', TOWNSHIP_NAME: '东山镇' };
const years = (...calendarYears: number[]) => ({ calendarYears, oneTimePasswordUsers: [] });

t.test('startWarnings: nothing for a configured township with both calendars', async (t) => {
  t.same(startWarnings(loadConfig(configured), years(2025, 2026, 2027), NOW), []);
});

t.test('startWarnings: a localhost PUBLIC_BASE_URL, the default one included', async (t) => {
  for (const env of [{ TOWNSHIP_NAME: '东山镇' }, { ...configured, PUBLIC_BASE_URL: 'http://127.0.0.1:8080' }]) {
    const w = startWarnings(loadConfig(env), years(2026, 2027), NOW);
    t.same(w.map((x) => x.code), ['PUBLIC_BASE_URL_LOCAL']);
    t.match(w[0].message, /^【警告】PUBLIC_BASE_URL 是本机地址 http:\/\/(localhost:3000|127\.0\.0\.1:8080)：回执二维码和短信里的查询链接在群众手机上打不开/);
  }
});

t.test('startWarnings: this or next year without a holiday calendar (Asia/Shanghai year)', async (t) => {
  const config = loadConfig(configured);
  const w = startWarnings(config, years(2024, 2025, 2026), NOW);
  t.same(w.map((x) => x.code), ['CALENDAR_MISSING']);
  t.match(w[0].message, /^【警告】2027年节假日安排未配置，期限将按周一至周五计算并标记。.*\/staff\/admin\/calendar\/2027/);
  t.same(startWarnings(config, years(), NOW).map((x) => x.message.slice(0, 9)), ['【警告】2026年', '【警告】2027年'], 'both years');
  // 2026-12-31 16:30 UTC is already 2027-01-01 in Beijing: the years are 2027 and 2028.
  const newYear = startWarnings(config, years(2026, 2027), new Date('2026-12-31T16:30:00Z'));
  t.match(newYear.map((x) => x.message), [/2028年节假日安排未配置/]);
});

t.test('startWarnings: the example township name', async (t) => {
  const w = startWarnings(loadConfig({ PUBLIC_BASE_URL: 'https://hy.example.gov.cn' }), years(2026, 2027), NOW);
  t.same(w.map((x) => x.code), ['TOWNSHIP_NAME_DEFAULT']);
  t.match(w[0].message, /TOWNSHIP_NAME 未设置/);
});

t.test('startWarnings: an admin who never replaced the one-time password', async (t) => {
  const w = startWarnings(loadConfig(configured), { calendarYears: [2026, 2027], oneTimePasswordUsers: ['admin'] }, NOW);
  t.same(w.map((x) => x.code), ['ONE_TIME_PASSWORD_PENDING']);
  t.match(w[0].message, /^【提示】admin 尚未修改一次性初始密码.*npm run cli -- user:create/);
});

t.test('logStartWarnings reads the calendar from the database and logs each warning at level warn', async (t) => {
  const db = await createTestDb();
  t.teardown(() => db.drop());
  const lines: { level: string; obj: unknown; msg?: string }[] = [];
  const log = {
    info: (obj: unknown, msg?: string) => lines.push({ level: 'info', obj, msg }),
    warn: (obj: unknown, msg?: string) => lines.push({ level: 'warn', obj, msg }),
    error: (obj: unknown, msg?: string) => lines.push({ level: 'error', obj, msg }),
  };
  // The migrations seed 2024-2026; nothing for 2027 yet.
  const warnings = await logStartWarnings(loadConfig({ TOWNSHIP_NAME: '东山镇' }), db.url, log, NOW);
  t.same(warnings.map((w) => w.code), ['PUBLIC_BASE_URL_LOCAL', 'CALENDAR_MISSING']);
  t.same(lines.map((l) => l.level), ['warn', 'warn']);
  t.same(lines.map((l) => l.obj), [{ warning: 'PUBLIC_BASE_URL_LOCAL' }, { warning: 'CALENDAR_MISSING' }]);
  t.match(lines[1].msg, /2027年节假日安排未配置/);
});

// --- secrets -------------------------------------------------------------------------------------

/** A valid value of each secret variable, generated as .env.example says. */
const GOOD: Record<(typeof SECRET_VARIABLES)[number], string> = {
  DATABASE_URL: 'postgres://huiying_app:9f2c4e1a7b3d5f60a8c2e4b6d8f0a1c3@db:5432/huiying',
  MIGRATION_DATABASE_URL: 'postgres://huiying:3e5a7c9b1d2f4a6c8e0b2d4f6a8c0e1b@db:5432/huiying',
  REDIS_URL: 'redis://:4b6d8f0a2c4e6a8b@redis:6379',
  SESSION_SECRET: 'a3f9c2e7b1d84f6a0c5e9b2d7f1a4c8e',
  AUDIT_CHECKPOINT_KEY: '0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a',
  BOOTSTRAP_ADMIN_PASSWORD: 'Dongshan-2026-hall',
  METRICS_TOKEN: '7c1e9a3f5b2d8e4a',
  SMS_HTTP_URL: 'https://sms.example.gov.cn/send?key=8e2a4c6b',
  WECOM_WEBHOOK_URLS: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=5d7f9b1a-3c4e-4a6b-8d0f-2e4a6c8b0d1f',
  HOTLINE_WEBHOOK_URL: 'https://12345.example.gov.cn/api/feedback?token=6a8c0e2b',
  HOTLINE_WEBHOOK_SECRET: 'c4e6a8b0d2f41a3c5e7b9d1f',
  WECOM_CALLBACK_TOKEN: 'Qd6eK3bT9xw',
  WECOM_CALLBACK_AES_KEY: 'k7Wm4Yq2r5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2',
  WECOM_CALLBACK_AES_KEY_PREVIOUS: 'p9Xa1Bc2De3Fg4Hi5Jk6Lm7No8Pq9Rs0Tu1Vw2Xy3Z4',
  WECOM_CORP_SECRET: 'q3Zx8Vb6Nm4Lk2Jh0Gf9Ds7Ap5Oi3Uy1Tr8Ew6Qa',
  WECHAT_MP_TOKEN: 'mpToken2026',
  WECHAT_MP_AES_KEY: 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V',
  WECHAT_MP_AES_KEY_PREVIOUS: 'v1U0t9S8r7Q6p5O4n3M2l1K0j9I8h7G6f5E4d3C2b1A',
  WECHAT_MP_APPSECRET: '9e7c5a3b1d0f2e4c6a8b0d2f4e6c8a0b',
  WECOM_GROUP_ROBOTS: '{"wrkSFfCgAALFgnrSsWU38puiv4yvExuw":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0a2c4e6b-8d0f-4a1c-9e3b-5d7f9a1c3e5b"}',
};
/** What a secret needs beside it to load (a callback's token, key and receiver id go together). */
const COMPANIONS: Partial<Record<(typeof SECRET_VARIABLES)[number], Record<string, string>>> = {
  WECOM_CALLBACK_TOKEN: { WECOM_CALLBACK_AES_KEY: GOOD.WECOM_CALLBACK_AES_KEY, WECOM_CORP_ID: 'ww0123456789abcdef' },
  WECOM_CALLBACK_AES_KEY_PREVIOUS: { WECOM_CALLBACK_AES_KEY: GOOD.WECOM_CALLBACK_AES_KEY },
  WECHAT_MP_AES_KEY: { WECHAT_MP_TOKEN: GOOD.WECHAT_MP_TOKEN, WECHAT_MP_APPID: 'wx0123456789abcdef' },
  WECHAT_MP_AES_KEY_PREVIOUS: { WECHAT_MP_AES_KEY: GOOD.WECHAT_MP_AES_KEY, WECHAT_MP_TOKEN: GOOD.WECHAT_MP_TOKEN, WECHAT_MP_APPID: 'wx0123456789abcdef' },
};
const withApp = (env: Record<string, string>) => ({ DATABASE_URL: GOOD.DATABASE_URL, ...env });

const dir = mkdtempSync(path.join(tmpdir(), 'hy-config-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const secretFile = (content: string): string => {
  const f = path.join(dir, `secret-${++fileNo}`);
  writeFileSync(f, content, { mode: 0o600 });
  return f;
};

t.test('every secret variable may be given as NAME_FILE: the file\'s trimmed content is the value', async (t) => {
  for (const name of SECRET_VARIABLES) {
    const file = secretFile(`  ${GOOD[name]}\n`);
    const config = loadConfig(name === 'DATABASE_URL' ? { DATABASE_URL_FILE: file } : withApp({ [`${name}_FILE`]: file, ...COMPANIONS[name] }));
    const expected = name === 'WECOM_WEBHOOK_URLS' ? [GOOD[name]] : name === 'WECOM_GROUP_ROBOTS' ? JSON.parse(GOOD[name]) : GOOD[name];
    t.same(config[name], expected, `${name}_FILE`);
  }
  t.equal(loadConfig({ SESSION_SECRET_FILE: '', SESSION_SECRET: GOOD.SESSION_SECRET }).SESSION_SECRET, GOOD.SESSION_SECRET, 'an empty NAME_FILE counts as unset (compose passes ${X:-})');
});

t.test('NAME and NAME_FILE both set, an unreadable or empty file: one line naming the variable', async (t) => {
  const both = problemsOf({ SESSION_SECRET: GOOD.SESSION_SECRET, SESSION_SECRET_FILE: secretFile(GOOD.SESSION_SECRET) });
  t.same(both, ['SESSION_SECRET: set either SESSION_SECRET or SESSION_SECRET_FILE, not both']);
  const missing = path.join(dir, 'no-such-secret');
  t.same(problemsOf({ METRICS_TOKEN_FILE: missing }), [`METRICS_TOKEN_FILE: cannot read ${missing} (ENOENT)`]);
  const empty = secretFile(' \n');
  t.same(problemsOf({ BOOTSTRAP_ADMIN_PASSWORD_FILE: empty }), [`BOOTSTRAP_ADMIN_PASSWORD_FILE: ${empty} is empty`]);
  if (process.getuid?.() !== 0) {
    const locked = secretFile(GOOD.SESSION_SECRET);
    chmodSync(locked, 0o000);
    t.same(problemsOf({ SESSION_SECRET_FILE: locked }), [`SESSION_SECRET_FILE: cannot read ${locked} (EACCES)`]);
  }
  // A value from a file is validated like any other, and the line says where it came from.
  t.same(problemsOf({ SESSION_SECRET_FILE: secretFile('too-short') }), ['SESSION_SECRET (from SESSION_SECRET_FILE): must be at least 32 characters']);
  // Several problems: one line each.
  t.equal(problemsOf({ SESSION_SECRET_FILE: missing, METRICS_TOKEN: 'short', REDIS_URL: 'http://x' }).length, 3);
});

t.test('a published example secret refuses the start: the old compose defaults, the README\'s placeholders', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['BOOTSTRAP_ADMIN_PASSWORD', 'change-me-now-please', /^BOOTSTRAP_ADMIN_PASSWORD: is an example value/],
    ['SESSION_SECRET', 'compose-demo-secret-change-me-0123456789abcdef', /^SESSION_SECRET: is an example value/],
    ['DATABASE_URL', 'postgres://huiying_app:huiying-app-change-me@postgres:5432/huiying', /^DATABASE_URL: holds an example password/],
    ['MIGRATION_DATABASE_URL', 'postgres://huiying:huiying@postgres:5432/huiying', /^MIGRATION_DATABASE_URL: holds an example password/],
    ['AUDIT_CHECKPOINT_KEY', 'CHANGE-ME-audit-checkpoint-key-0123456789', /^AUDIT_CHECKPOINT_KEY: is an example value/],
    ['METRICS_TOKEN', 'changeme-metrics-token', /^METRICS_TOKEN: is an example value/],
    ['REDIS_URL', 'redis://:change-me@redis:6379', /^REDIS_URL: holds an example password/],
    ['SMS_HTTP_URL', 'https://sms.example/send?key=change-me', /^SMS_HTTP_URL: holds an example password/],
    ['WECOM_WEBHOOK_URLS', `${GOOD.WECOM_WEBHOOK_URLS},https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=change-me`, /^WECOM_WEBHOOK_URLS: holds an example password/],
  ];
  for (const [name, value, line] of cases) {
    const env = withApp({ [name]: value });
    if (name === 'DATABASE_URL') env.DATABASE_URL = value;
    const problems = problemsOf(env);
    t.equal(problems.length, 1, `${name}: one line`);
    t.match(problems[0], line, `${name}=${value}`);
  }
  // Percent-encoded in a URL, and from a file, still refused.
  t.match(problemsOf({ DATABASE_URL: 'postgres://huiying_app:%63hange-me@db/huiying' }), [/^DATABASE_URL: holds an example password/]);
  t.match(problemsOf({ SESSION_SECRET_FILE: secretFile('compose-demo-secret-change-me-0123456789abcdef\n') }), [
    /^SESSION_SECRET \(from SESSION_SECRET_FILE\): is an example value/,
  ]);
  // Generated values pass.
  t.doesNotThrow(() => loadConfig(withApp({ ...GOOD, WECOM_CORP_ID: 'ww0123456789abcdef', WECHAT_MP_APPID: 'wx0123456789abcdef', WECOM_WEBHOOK_URLS: GOOD.WECOM_WEBHOOK_URLS })));
});

/** NAME=value lines of a dotenv file, comments and empty values left out. */
const dotenv = (text: string): [string, string][] =>
  text
    .split('\n')
    .map((l) => /^([A-Z_][A-Z0-9_]*)=(.+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], m[2]]);

t.test('.env.example copied unchanged refuses to start, naming each secret still at its example', async (t) => {
  const example = dotenv(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8'));
  const values = Object.fromEntries(example);
  t.ok(values.POSTGRES_PASSWORD && values.APP_DB_PASSWORD && values.SESSION_SECRET, 'the example sets the required secrets');
  // What docker-compose.yml builds from them for the app services.
  const env = {
    ...values,
    MIGRATION_DATABASE_URL: `postgres://huiying:${values.POSTGRES_PASSWORD}@postgres:5432/huiying`,
    DATABASE_URL: `postgres://huiying_app:${values.APP_DB_PASSWORD}@postgres:5432/huiying`,
    REDIS_URL: 'redis://redis:6379',
    PUBLIC_BASE_URL: 'https://hy.example.gov.cn',
  };
  const named = problemsOf(env).map((p) => p.split(':')[0]);
  t.same(named.sort(), ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'SESSION_SECRET']);
  // Every secret-looking value in the file is one the config refuses.
  for (const [name, value] of example) {
    if (/PASSWORD|SECRET|KEY|TOKEN/.test(name)) t.match(value, /change-me/, `${name} in .env.example is a refused placeholder`);
  }
});

t.test('the postgres:// URLs the README shows as examples are refused', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const urls = [...readme.matchAll(/postgres(?:ql)?:\/\/[^\s'"`)]+/g)].map((m) => m[0]).filter((u) => /:\/\/[^:/@]+:[^@…]+@/.test(u));
  t.ok(urls.length >= 2, `README example URLs with a password: ${urls.join(' ')}`);
  for (const url of urls) t.match(problemsOf({ DATABASE_URL: url }), [/^DATABASE_URL: holds an example password/], url);
});

t.test('TRUST_PROXY: false by default, true, or the proxy\'s addresses (IPs, CIDRs)', async (t) => {
  t.equal(loadConfig({}).TRUST_PROXY, false);
  for (const v of ['', 'false', '0']) t.equal(loadConfig({ TRUST_PROXY: v }).TRUST_PROXY, false, JSON.stringify(v));
  for (const v of ['true', '1']) t.equal(loadConfig({ TRUST_PROXY: v }).TRUST_PROXY, true, v);
  t.same(loadConfig({ TRUST_PROXY: '172.30.57.1' }).TRUST_PROXY, ['172.30.57.1']);
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.2, 172.16.0.0/12 ::1 fd00::/8' }).TRUST_PROXY, ['10.0.0.2', '172.16.0.0/12', '::1', 'fd00::/8']);
  for (const v of ['yes', 'nginx', '10.0.0.300', '10.0.0.0/33', '::1/129', '10.0.0.1/8/1', '10.0.0.0/x']) {
    t.match(problemsOf({ TRUST_PROXY: v }), [/^TRUST_PROXY: must be true, false, or the reverse proxy's addresses/], v);
  }
});

t.test('no DATABASE_URL where embedded PostgreSQL is not installed (the production image): one config line', async (t) => {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const err = await resolveDatabase(loadConfig({}), quiet, false).catch((e: unknown) => e);
  t.type(err, ConfigError);
  t.match((err as ConfigError).problems, [/^DATABASE_URL: not set, and this installation has no embedded PostgreSQL/]);
  const db = await resolveDatabase(loadConfig({ DATABASE_URL: GOOD.DATABASE_URL }), quiet, false);
  t.equal(db.url, GOOD.DATABASE_URL, 'with DATABASE_URL the package is not needed');
});

t.test('WeChat / WeCom settings (SPEC §17): keys of 43 characters, the pieces that go together, the robots\' JSON', async (t) => {
  t.same(problemsOf({ WECOM_CALLBACK_AES_KEY: 'too-short' }), ['WECOM_CALLBACK_AES_KEY: must be the 43-character EncodingAESKey from the WeChat/WeCom console']);
  t.same(problemsOf({ WECHAT_MP_AES_KEY: `${GOOD.WECHAT_MP_AES_KEY}x` }), ['WECHAT_MP_AES_KEY: must be the 43-character EncodingAESKey from the WeChat/WeCom console']);
  t.same(problemsOf({ WECOM_CALLBACK_TOKEN: GOOD.WECOM_CALLBACK_TOKEN }), [
    'WECOM_CALLBACK_AES_KEY: needed with WECOM_CALLBACK_TOKEN', 'WECOM_CORP_ID: needed with WECOM_CALLBACK_TOKEN',
  ]);
  t.same(problemsOf({ WECHAT_MP_AES_KEY: GOOD.WECHAT_MP_AES_KEY, WECHAT_MP_TOKEN: GOOD.WECHAT_MP_TOKEN }), ['WECHAT_MP_APPID: needed with WECHAT_MP_AES_KEY']);
  t.same(problemsOf({ WECHAT_MP_TOKEN: 'a b' }), ['WECHAT_MP_TOKEN: must be 3-32 letters or digits (as set on the WeChat/WeCom console)']);
  t.same(problemsOf({ WECHAT_MP_TOKEN: GOOD.WECHAT_MP_TOKEN }), [], 'a token alone: plain mode');
  for (const bad of ['not json', '["https://x.cn"]', '{"wrkA":"ftp://x"}', '{"wrkA":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=change-me"}']) {
    t.same(problemsOf({ WECOM_GROUP_ROBOTS: bad }), ['WECOM_GROUP_ROBOTS: must be a JSON object {"<group ChatId>": "<robot webhook http(s) URL>"}'], bad);
  }
  t.same(loadConfig({ WECOM_GROUP_ROBOTS: '' }).WECOM_GROUP_ROBOTS, {}, 'unset: no robot');
  t.equal(loadConfig({ WECOM_API_BASE: 'http://127.0.0.1:9999/' }).WECOM_API_BASE, 'http://127.0.0.1:9999', 'API base without its trailing slash');
});
