// Masking of personal data for staff views and public outputs (SPEC §8, §10; PIPL, GB/T 35273).
//
// Public text is scrubbed by detectors, not by hoping clerks wrote nothing personal: every mainland
// mobile (also spaced, dashed, +86/0086), landline, ID number (18 digits with X, and old 15-digit
// ones), any other run of 16 or more digits (bank cards), e-mail address, number or WeChat/QQ id
// after a "电话/手机/微信/QQ" cue, house number, the given addresses (cut to the village) and the
// given names (surname + 某). Over-scrubbing is the accepted failure mode: a number that looks like
// personal data is removed even when it was not. Valid ticket numbers (SPEC §5) are protected first,
// so a notice can quote them. Pure: no I/O, no clock, no environment.

import { findPersonNames } from './person-names.js';
import { parseTicketNo } from './ticket-number.js';

/** 13812345678 → 138****5678; 0571-88886666 → 0571-****6666. */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return phone;
  if (/^1\d{10}$/.test(phone)) return `${phone.slice(0, 3)}****${phone.slice(7)}`;
  const keep = phone.slice(-4);
  const head = phone.includes('-') ? `${phone.split('-')[0]}-` : phone.slice(0, 3);
  return `${head}****${keep}`;
}

/** The last four digits used to verify a public lookup. */
export function phoneLast4(phone: string | null): string | null {
  if (!phone) return null;
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 4 ? digits.slice(-4) : null;
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * Two-character compound surnames (复姓): every compound of the 百家姓 plus the ones still met in
 * registers today (独孤, 太史, 完颜, 呼延 …). A name is read with the compound only when at least
 * one character follows it, so a two-character name like 钟离 stays 钟 + 离. Names such as 钟离华
 * are ambiguous on paper (钟 + 离华 or 钟离 + 华); the register never says which, and the list wins.
 */
export const COMPOUND_SURNAMES: ReadonlySet<string> = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒',
  '夏侯', '轩辕', '令狐', '钟离', '端木', '独孤', '南宫', '西门', '百里', '呼延', '万俟', '澹台',
  '公冶', '太史', '申屠', '闻人', '赫连', '濮阳', '宗政', '淳于', '单于', '太叔', '仲孙', '鲜于',
  '闾丘', '司空', '亓官', '司寇', '仉督', '子车', '颛孙', '巫马', '公西', '漆雕', '乐正', '壤驷',
  '公良', '拓跋', '夹谷', '宰父', '谷梁', '段干', '东郭', '南门', '羊舌', '微生', '梁丘', '左丘',
  '东门', '第五', '公羊', '归海', '有琴', '伯赏', '涂钦', '完颜', '公仪', '即墨', '第一', '呼衍',
  '哥舒', '耶律', '尉缭', '公上', '乌孙', '钟吾', '相里', '司城', '公伯', '公叔', '叱干',
]);

/** Four-character Manchu clan names still written in full by a few families. */
const LONG_SURNAMES: readonly string[] = ['爱新觉罗', '叶赫那拉'];

/**
 * An account id (OpenID, WeCom UserID) as staff see it: enough to tell two senders apart, not
 * enough to write to them — `oUpF****eS6o`; short ids keep their first character only.
 */
export function maskAccountId(id: string): string {
  const chars = Array.from(id);
  if (chars.length <= 8) return `${chars[0] ?? ''}****`;
  return `${chars.slice(0, 4).join('')}****${chars.slice(-4).join('')}`;
}

/**
 * A nickname as the group sees it in the robot's answer: its first character and one * per other
 * character, at most three (老张 → 老*, 张三丰 → 张**).
 */
export function maskNickname(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '*';
  return `${chars[0]}${'*'.repeat(Math.min(Math.max(chars.length - 1, 1), 3))}`;
}

/** 张三 → 张某; 欧阳明华 → 欧阳某; blank → 某. */
export function maskName(name: string): string {
  const chars = Array.from(name.replace(/\s+/gu, ''));
  if (chars.length === 0) return '某';
  return `${surnameOf(chars)}某`;
}

function surnameOf(chars: string[]): string {
  for (const long of LONG_SURNAMES) {
    if (chars.length > long.length && chars.slice(0, long.length).join('') === long) return long;
  }
  if (chars.length >= 3 && COMPOUND_SURNAMES.has(chars[0] + chars[1])) return chars[0] + chars[1];
  return chars[0];
}

// ---------------------------------------------------------------------------------------------
// Addresses

/**
 * The address cut to the village: `villageName` when the caller knows it, else the address up to
 * and including its first 村 / 社区 / 居委会 ("东山村3组12号" → "东山村"); null when neither says a
 * village (an address that cannot be cut is not shown at all).
 */
export function villageOnly(address: string | null, villageName: string | null): string | null {
  const village = villageName?.trim();
  if (village) return village;
  const compact = address?.replace(/\s+/gu, '');
  if (!compact) return null;
  const m = /^.+?(?:村|社区|居委会)/u.exec(compact);
  return m ? m[0] : null;
}

// ---------------------------------------------------------------------------------------------
// Free text

export const SCRUB_MARKER = '***';
export const DEFAULT_SUMMARY_LENGTH = 80;

/** Separators people put inside numbers they dictate or type: spaces, hyphens, dashes, minus. */
const SEP = '[\\s\\-\\u2010-\\u2015\\u2212]{0,3}';
const digits = (n: string): string => `[0-9](?:${SEP}[0-9])${n}`;

interface Rule {
  /** Global regex; `replace` decides per match (a validating rule may keep the match). */
  re: RegExp;
  replace: (match: string, ...groups: string[]) => string;
  /** Counts as personal data for containsPersonalData (house numbers and names do not). */
  personal: boolean;
}

const mark = (): string => SCRUB_MARKER;

/** Province-level codes that begin a real ID number; ticket numbers begin 19/20 and never match. */
const OLD_ID_RE =
  /^(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3]|91)[0-9]{4}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}$/;

/** Digit groups joined by separators, an ID's check character X allowed at the very end. */
const DIGIT_CLUSTER_RE = new RegExp(`(?<![0-9])[0-9]+(?:${SEP}[0-9]+)*(?:[Xx](?![A-Za-z]))?`, 'g');

/**
 * ID numbers and bank cards inside a cluster of digit groups: a run of consecutive groups of 3+
 * digits (how IDs and cards are written and read aloud: 330102 19900101 1234, 6222 0212 …)
 * holding 16+ digits, or exactly 15 that make an old ID. Two-digit groups break a run, so dates
 * and ranges (2026-11-25 — 2026-11-30) are kept; short groups stay for the phone rules after.
 */
function scrubDigitCluster(cluster: string): string {
  const tokens = cluster.split(/([0-9]+[Xx]?)/); // groups at odd indices, separators between
  let out = '';
  let i = 1;
  out += tokens[0];
  while (i < tokens.length) {
    if (tokens[i].length < 3) {
      out += tokens[i] + tokens[i + 1];
      i += 2;
      continue;
    }
    let j = i;
    while (j + 2 < tokens.length && tokens[j + 2].length >= 3) j += 2;
    const run = tokens.slice(i, j + 1).join('');
    const count = tokens.slice(i, j + 1).filter((_, k) => k % 2 === 0).join('').length;
    const personal = count >= 16 || (count === 15 && OLD_ID_RE.test(run.replace(/[^0-9]/g, '')));
    out += (personal ? SCRUB_MARKER : run) + tokens[j + 1];
    i = j + 2;
  }
  return out;
}

const LATIN_EDGE = '(?<![A-Za-z])';
const CUE = `(?:联系电话|联系方式|电话号码|手机号码|手机号|电话|手机|座机|号码|${LATIN_EDGE}(?:tel|TEL|Tel))`;
const ID_CUE = `(?:微信号|微信|${LATIN_EDGE}(?:[Vv][Xx]|[Ww][Xx]|[Qq]{2}号?))`;
const CUE_GAP = '(?:[:：\\s]|是|为){0,3}';

const EMAIL_RULE: Rule = {
  re: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
  replace: mark,
  personal: true,
};

/** Applied in this order, after e-mails and with valid ticket numbers protected. */
const RULES: readonly Rule[] = [
  EMAIL_RULE,
  { re: DIGIT_CLUSTER_RE, replace: scrubDigitCluster, personal: true },
  // Mainland mobiles, optionally with +86 / 0086 / 86.
  {
    re: new RegExp(`(?<![0-9])(?:(?:\\+|00)${SEP}86${SEP}|86${SEP})?1${SEP}[3-9](?:${SEP}[0-9]){9}(?![0-9])`, 'g'),
    replace: mark,
    personal: true,
  },
  // Landlines with area code: 0571-88886666, (0571)88886666, 010 8888 6666.
  {
    re: new RegExp(
      `(?<![0-9])(?:[(（]\\s?0[1-9](?:${SEP}[0-9]){1,2}\\s?[)）]${SEP}${digits('{6,7}')}|0${SEP}[1-9](?:${SEP}[0-9]){8,10})(?![0-9])`,
      'g',
    ),
    replace: mark,
    personal: true,
  },
  // A number of seven or more digits right after a phone cue (local numbers without area code;
  // five-digit service lines such as 12345 or 95598 stay).
  {
    re: new RegExp(`(${CUE}${CUE_GAP})${digits('{6,}')}`, 'g'),
    replace: (_m, cue) => cue + SCRUB_MARKER,
    personal: true,
  },
  // WeChat / QQ ids after their cue.
  {
    re: new RegExp(`(${ID_CUE}${CUE_GAP})(?:[A-Za-z][A-Za-z0-9_-]{4,}|${digits('{4,}')})`, 'g'),
    replace: (_m, cue) => cue + SCRUB_MARKER,
    personal: true,
  },
  // House numbers: 3组12号 → 3组***, 人民路8号 → 人民路***, 5栋2单元301室 → ***.
  {
    re: /(?<=[村组队路街巷弄])[0-9]+(?:号楼|号院|号)(?:[之-]?[0-9]+(?:号|栋|幢|单元|室|楼))*/g,
    replace: mark,
    personal: false,
  },
  {
    // A building alone (3号楼) is not a household; with its unit or room it is.
    re: /(?<![0-9])[0-9]+(?:栋|幢|号楼)(?:[0-9]+单元[0-9]*(?:室|号)?|[0-9]+(?:室|号))|(?<![0-9])[0-9]+单元[0-9]+(?:室|号)?/g,
    replace: mark,
    personal: false,
  },
];

/** Full-width digits, Latin letters, + - . @ to ASCII; zero-width characters and private-use out. */
function normalize(text: string): string {
  return text
    .replace(/[\u200B-\u200D\u2060\uFEFF\uE000-\uF8FF]/g, '')
    .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\uFF0B\uFF0D\uFF0E\uFF20]/g, (c) =>
      String.fromCharCode(c.charCodeAt(0) - 0xfee0),
    );
}

/** Valid ticket numbers, bare or grouped, with a plausible date prefix (never an ID's province code). */
const TICKET_NO_CANDIDATE_RE = /(?<![0-9])[0-9]{8}[\s-]?[0-9]{6}[\s-]?[0-9](?![0-9])/g;
const TICKET_DATE_RE = /^(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])/;

/** Swaps valid ticket numbers for private-use placeholders (no digits, so no rule sees them). */
function protectTicketNumbers(text: string): { text: string; restore: (s: string) => string } {
  const kept: string[] = [];
  const protectedText = text.replace(TICKET_NO_CANDIDATE_RE, (m) => {
    const parsed = parseTicketNo(m);
    if (!parsed.ok || !TICKET_DATE_RE.test(parsed.ticketNo) || kept.length >= 6000) return m;
    kept.push(m);
    return String.fromCharCode(0xe000 + kept.length - 1);
  });
  return {
    text: protectedText,
    restore: (s) => s.replace(/[\uE000-\uF76F]/g, (c) => kept[c.charCodeAt(0) - 0xe000] ?? ''),
  };
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A literal that also matches with whitespace between its characters (张 三). */
function looseLiteral(chars: string[]): RegExp {
  return new RegExp(chars.map(escapeRe).join('\\s*'), 'gu');
}

function scrubNames(text: string, names: readonly (string | null | undefined)[]): string {
  let out = text;
  // Longest first, so 欧阳明华 is replaced before a shorter name it contains.
  const cleaned = names
    .map((n) => Array.from(normalize(n ?? '').replace(/\s+/gu, '')))
    .filter((c) => c.length >= 2)
    .sort((a, b) => b.length - a.length);
  for (const chars of cleaned) {
    out = out.replace(looseLiteral(chars), maskName(chars.join('')));
  }
  for (const chars of cleaned) {
    const given = chars.slice(Array.from(surnameOf(chars)).length);
    if (given.length >= 2) out = out.replace(looseLiteral(given), '某某');
  }
  return out;
}

function scrubAddresses(text: string, addresses: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const address of addresses) {
    const compact = normalize(address ?? '').trim();
    if (Array.from(compact).length < 2) continue;
    const village = villageOnly(compact, null);
    if (village === compact) continue;
    out = out.replace(looseLiteral(Array.from(compact.replace(/\s+/gu, ''))), village ?? SCRUB_MARKER);
  }
  return out;
}

function applyRules(text: string): string {
  let out = text;
  for (const rule of RULES) out = out.replace(rule.re, rule.replace);
  return out;
}

/** Cuts to `max` characters (code points), the last one an ellipsis when anything was cut. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** Swaps the township's own official numbers for placeholders no rule sees (kept as written). */
function protectOfficial(text: string, numbers: readonly string[]): { text: string; restore: (s: string) => string } {
  const kept = numbers.map((n) => n.trim()).filter((n) => n.length >= 3).sort((a, b) => b.length - a.length);
  if (!kept.length) return { text, restore: (s) => s };
  let out = text;
  kept.forEach((n, i) => {
    out = out.split(n).join(String.fromCharCode(0xf8f0 + i));
  });
  return { text: out, restore: (s) => s.replace(/[\uF8F0-\uF8FF]/g, (c) => kept[c.charCodeAt(0) - 0xf8f0] ?? '') };
}

/**
 * Clauses (between ，、；。) that carried nothing but contact data once it is scrubbed — "电话***",
 * "身份证号***", "我叫王某" — read badly in a public summary and say nothing: they are dropped.
 */
function dropContactOnlyClauses(text: string): string {
  const parts = text.split(/([，,；;。！!？?])/u);
  const out: string[] = [];
  let dropped = false;
  for (let i = 0; i < parts.length; i += 2) {
    const clause = parts[i];
    const sep = parts[i + 1] ?? '';
    const rest = clause
      .replace(/\*\*\*/g, '')
      .replace(/\p{Script=Han}某{1,2}/gu, '')
      .replace(/(我|本人|他|她)?(叫|是|姓名|名字|联系人|联系方式|联系电话|电话|座机|固话|手机号?|手机号码|身份证号?码?|身份证|旧身份证|微信号?|[Vv][Xx]|[Ww][Xx]|QQ号?|qq号?|邮箱|[Ee]-?mail|住址|地址)[:：是为]?/gu, '')
      .replace(/[\s:：]/g, '');
    const hadData = /\*\*\*|\p{Script=Han}某/u.test(clause);
    if (hadData && rest === '') {
      dropped = true;
      continue;
    }
    out.push(clause, sep);
  }
  if (!dropped) return text;
  let joined = out.join('').replace(/^[，,；;。\s]+/u, '').replace(/[，,；;\s]+$/u, '');
  // A sentence that ended with a full stop still does.
  if (/[。！!？?]$/u.test(text.trim()) && !/[。！!？?]$/u.test(joined)) joined += '。';
  return joined.length > 1 ? joined : text;
}

export interface ScrubOptions {
  /** Complainant (and other) names: full name → 张某, a given name of 2+ characters alone → 某某. */
  names?: readonly (string | null | undefined)[];
  /** Address texts: each occurrence is cut to its village (or removed when it names none). */
  addresses?: readonly (string | null | undefined)[];
  /** Characters (code points), default 80; `Infinity` for no cut. */
  maxLength?: number;
  /** The township's own official numbers (hotlines): kept as written, never masked. */
  officialNumbers?: readonly string[];
  /** Also find other people's names with the segmenter (default true). */
  findNames?: boolean;
}

/**
 * Free text fit for a public notice: personal data replaced by `***` or the masked name,
 * whitespace collapsed to single spaces, cut to `maxLength` characters with '…'.
 */
export function scrubText(text: string, opts: ScrubOptions = {}): string {
  const max = opts.maxLength ?? DEFAULT_SUMMARY_LENGTH;
  if (!(max >= 1) || (Number.isFinite(max) && !Number.isInteger(max))) {
    throw new RangeError('maxLength must be a positive integer or Infinity');
  }
  const official = protectOfficial(normalize(text), opts.officialNumbers ?? []);
  let out = scrubAddresses(official.text, opts.addresses ?? []);
  // E-mails first: a local part that happens to be a ticket number must not be protected.
  out = out.replace(EMAIL_RULE.re, EMAIL_RULE.replace);
  const tickets = protectTicketNumbers(out);
  out = applyRules(tickets.text);
  // The complainant's own names, then anyone else's the segmenter finds (a neighbour, a cadre).
  const others = opts.findNames === false ? [] : findPersonNames(out);
  out = scrubNames(out, [...(opts.names ?? []), ...others]);
  out = dropContactOnlyClauses(out);
  out = official.restore(tickets.restore(out)).replace(/\s+/gu, ' ').trim();
  return cut(out, max);
}

/** Whether text still holds a phone number, ID number, bank card, e-mail or messaging id. */
export function containsPersonalData(text: string): boolean {
  const normalized = normalize(text);
  if (normalized.replace(EMAIL_RULE.re, EMAIL_RULE.replace) !== normalized) return true;
  const { text: guarded } = protectTicketNumbers(normalized);
  return RULES.some((rule) => rule.personal && guarded.replace(rule.re, rule.replace) !== guarded);
}
