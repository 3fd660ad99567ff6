// Configuration defaults that follow other variables, the township's name and hotlines, and the
// warnings every start logs (an address residents cannot reach, a missing holiday calendar, the
// example township name).
import t from 'tap';
import { ConfigError, DEFAULT_TOWNSHIP_NAME, loadConfig } from '../../src/config.js';
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
