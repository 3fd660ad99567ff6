// What a registration must satisfy before it is written (SPEC §4), as pure rules: references to the
// catalogue, the time the demand was received, anonymity and the WeChat fields. The service loads
// the catalogue and the clock and throws what this returns; duplicate scoring is duplicates.ts.
import type { ErrorDetail } from './errors.js';
import type { Channel, Kind } from './sla.js';

export interface RegistrationInput {
  channel: Channel;
  kind: Kind;
  content: string;
  complainant?: { name?: string; phone?: string; anonymous?: boolean };
  confidential?: boolean;
  villageCode?: string;
  address?: string;
  categoryCode?: string;
  receivedAt?: Date;
  wechat?: { group?: string; sender?: string; messageId?: string };
  /** WGS-84 (SPEC §16): where the problem is, when the resident's app knows. */
  location?: { lat: number; long: number };
}

/** The catalogue as registration reads it. */
export interface RegistrationCatalogue {
  departments: ReadonlyMap<string, { kind: string; active: boolean }>;
  categories: ReadonlyMap<string, { active: boolean }>;
}

/** Clock skew tolerated between a clerk's PC and the server before a time counts as future. */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;
/** How far back a demand may be registered (a ledger typed in late, SPEC §4). */
export const MAX_BACKDATE_MS = 366 * 24 * 60 * 60 * 1000;

/** Every problem of a registration, by field, in Chinese; empty when it may be written. */
export function registrationProblems(
  input: RegistrationInput,
  catalogue: RegistrationCatalogue,
  now: Date,
  maxBackdateMs: number = MAX_BACKDATE_MS,
): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (input.villageCode !== undefined) {
    const v = catalogue.departments.get(input.villageCode);
    if (!v || v.kind !== 'village') details.push({ path: 'villageCode', message: '没有这个村/社区，请从列表中选择' });
    else if (!v.active) details.push({ path: 'villageCode', message: '该村/社区已停用' });
  }
  if (input.categoryCode !== undefined) {
    const c = catalogue.categories.get(input.categoryCode);
    if (!c) details.push({ path: 'categoryCode', message: '没有这个诉求分类，请从列表中选择' });
    else if (!c.active) details.push({ path: 'categoryCode', message: '该诉求分类已停用' });
  }
  if (input.receivedAt) {
    if (input.receivedAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
      details.push({ path: 'receivedAt', message: '诉求提出时间不能晚于当前时间' });
    } else if (input.receivedAt.getTime() < now.getTime() - maxBackdateMs) {
      const years = Math.max(1, Math.round(maxBackdateMs / MAX_BACKDATE_MS));
      details.push({ path: 'receivedAt', message: `诉求提出时间不能早于${years === 1 ? '一' : years}年前，请核对日期` });
    }
  }
  if (input.complainant?.anonymous && input.complainant.name) {
    details.push({ path: 'complainant.name', message: '匿名诉求不登记姓名' });
  }
  if (input.channel === 'wechat_group' && !input.wechat?.group) {
    details.push({ path: 'wechat.group', message: '微信群渠道须填写群名称' });
  }
  if (input.channel !== 'wechat_group' && input.wechat) {
    details.push({ path: 'wechat', message: '仅微信群渠道可填写微信信息' });
  }
  return details;
}
