// What the operator must hear at every start, as loud log lines (level warn): an address residents
// cannot reach, a missing holiday calendar, a township that still carries the example name, an
// admin whose one-time password (printed once, at the first start) was never replaced.
import pg from 'pg';
import { DEFAULT_TOWNSHIP_NAME, type Config } from './config.js';
import { calendarMissingWarning, missingCalendarYears } from './domain/calendar.js';
import { loadCalendarYears } from './db/policy.repository.js';
import { usersWithOneTimePassword } from './db/users.repository.js';
import type { Log } from './logging.js';

export interface StartWarning {
  code: 'PUBLIC_BASE_URL_LOCAL' | 'CALENDAR_MISSING' | 'TOWNSHIP_NAME_DEFAULT' | 'ONE_TIME_PASSWORD_PENDING';
  message: string;
}

/** localhost, *.localhost, 127.0.0.0/8, ::1 and the unspecified addresses: nowhere a resident's phone can open. */
export function isLocalAddress(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '::1' ||
    host === '0.0.0.0' ||
    host === '::'
  );
}

export interface StartState {
  calendarYears: readonly number[];
  /** Users who still sign in with the one-time password of the first start. */
  oneTimePasswordUsers: readonly string[];
}

export function startWarnings(config: Config, state: StartState, now: Date): StartWarning[] {
  const warnings: StartWarning[] = [];
  if (isLocalAddress(config.PUBLIC_BASE_URL)) {
    warnings.push({
      code: 'PUBLIC_BASE_URL_LOCAL',
      message:
        `【警告】PUBLIC_BASE_URL 是本机地址 ${config.PUBLIC_BASE_URL}：回执二维码和短信里的查询链接在群众手机上打不开。` +
        '请把 PUBLIC_BASE_URL 设为群众能访问的地址（例如 https://hy.example.gov.cn）后重新启动',
    });
  }
  for (const year of missingCalendarYears(state.calendarYears, now)) {
    warnings.push({
      code: 'CALENDAR_MISSING',
      message: `【警告】${calendarMissingWarning(year)}。请管理员按国务院办公厅通知在「日历」页面（/staff/admin/calendar/${year}）录入`,
    });
  }
  if (config.TOWNSHIP_NAME === DEFAULT_TOWNSHIP_NAME) {
    warnings.push({
      code: 'TOWNSHIP_NAME_DEFAULT',
      message: `【警告】TOWNSHIP_NAME 未设置：页面、回执、公示和短信签名显示的是示例名称「${DEFAULT_TOWNSHIP_NAME}」。请设置本乡镇的名称（例如 TOWNSHIP_NAME=东山镇）`,
    });
  }
  if (state.oneTimePasswordUsers.length) {
    warnings.push({
      code: 'ONE_TIME_PASSWORD_PENDING',
      message:
        `【提示】${state.oneTimePasswordUsers.join('、')} 尚未修改一次性初始密码（首次启动时在日志中打印过一次）。` +
        '找不到该密码时，可用 npm run cli -- user:create --username 新用户名 --password 新密码 --roles admin 另建管理员',
    });
  }
  return warnings;
}

/** Reads what the warnings depend on from the database and logs every start warning. */
export async function logStartWarnings(
  config: Config,
  databaseUrl: string,
  log: Log,
  now: Date,
  opts: { justCreatedAdmin?: boolean } = {},
): Promise<StartWarning[]> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  let state: StartState;
  try {
    state = {
      calendarYears: (await loadCalendarYears(pool)).map((y) => y.year),
      // The first start prints the password itself, right after these lines.
      oneTimePasswordUsers: opts.justCreatedAdmin ? [] : await usersWithOneTimePassword(pool),
    };
  } finally {
    await pool.end();
  }
  const warnings = startWarnings(config, state, now);
  for (const w of warnings) log.warn({ warning: w.code }, w.message);
  return warnings;
}
