// Simplified-Chinese messages for zod validation issues, written for the clerk who reads them next
// to a form field. Installed globally once: schema-level messages (e.g. the phone pattern) still win.
import { z } from 'zod';
import type { ErrorDetail } from './errors.js';

const TYPE_NAMES: Record<string, string> = {
  string: '文本', number: '数字', int: '整数', boolean: '布尔值（true/false）', object: '对象',
  array: '数组', date: '日期', bigint: '整数',
};

const FORMAT_MESSAGES: Record<string, string> = {
  datetime: '时间格式不正确，应为带时区的 ISO 8601 时间，如 2026-11-25T09:30:00+08:00',
  date: '日期格式不正确，应为 YYYY-MM-DD',
  email: '电子邮箱格式不正确',
  url: '网址格式不正确',
  uuid: 'UUID 格式不正确',
  regex: '格式不正确',
};

type Issue = z.core.$ZodRawIssue;

function sizeMessage(origin: string | undefined, bound: unknown, big: boolean, inclusive: boolean | undefined): string {
  const n = Number(bound);
  if (origin === 'string') return big ? `不能超过 ${n} 个字符` : n <= 1 ? '不能为空' : `至少需要 ${n} 个字符`;
  if (origin === 'array' || origin === 'set') return big ? `最多 ${n} 项` : `至少需要 ${n} 项`;
  if (inclusive === false) return big ? `必须小于 ${n}` : `必须大于 ${n}`;
  return big ? `不能大于 ${n}` : `不能小于 ${n}`;
}

export function zhMessage(iss: Issue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return '此项为必填项';
      if (iss.input === null) return '此项不能为空值（null）';
      return `类型不正确，应为${TYPE_NAMES[iss.expected] ?? iss.expected}`;
    case 'too_small':
      return sizeMessage(iss.origin, iss.minimum, false, iss.inclusive);
    case 'too_big':
      return sizeMessage(iss.origin, iss.maximum, true, iss.inclusive);
    case 'invalid_value':
      return `取值无效，可选值：${iss.values.map(String).join('、')}`;
    case 'invalid_format':
      return FORMAT_MESSAGES[iss.format] ?? '格式不正确';
    case 'unrecognized_keys':
      return `不允许的字段：${iss.keys.join('、')}`;
    case 'not_multiple_of':
      return `必须是 ${String(iss.divisor)} 的整数倍`;
    default:
      return undefined;
  }
}

let installed = false;
export function installZodChinese(): void {
  if (installed) return;
  installed = true;
  z.config({ ...z.locales.zhCN(), customError: (iss) => zhMessage(iss) });
}

interface LooseIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

export function pathString(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** One detail per bad field; an unknown key is reported at its own path. */
export function issuesToDetails(issues: readonly LooseIssue[], prefix: PropertyKey[] = []): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const iss of issues) {
    if (iss.code === 'unrecognized_keys' && iss.keys) {
      for (const key of iss.keys) {
        details.push({ path: pathString([...prefix, ...iss.path, key]), message: '不允许的字段（未知字段）' });
      }
      continue;
    }
    details.push({ path: pathString([...prefix, ...iss.path]) || '(body)', message: iss.message });
  }
  return details;
}
