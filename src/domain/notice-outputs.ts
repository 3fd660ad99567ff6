// The monthly notice's outputs (SPEC §8): the WeChat text, the CSV of the case list, the JSON and the
// WeCom parts (≤ 2048 bytes each), in one registry by format (NOTICE_OUTPUTS, at the end). Pure: they
// render a NoticeModel (notice.ts) and nothing else.
import type { Rate } from './stats.js';
import { toCsv } from './csv.js';
import { SCREENING_LABELS } from './ticket-labels.js';
import type { ScreeningCategory } from './ticket-rules.js';
import type { CellCount, NoticeCase, NoticeModel } from './notice.js';

/** 0.8333 → "83.3%", 1 → "100%", null → "—". */
export function percent(r: Rate): string {
  return r.value === null ? '—' : `${Math.round(r.value * 1000) / 10}%`;
}

const rateText = (r: Rate): string => `${percent(r)}（${r.numerator}/${r.denominator}）`;

/** "电话5件，微信群3件" over the non-zero rows; "无" when there are none. */
function countsText(rows: readonly { name: string; count: CellCount }[]): string {
  const parts = rows.filter((r) => r.count !== 0).map((r) => `${r.name}${r.count}件`);
  return parts.length ? parts.join('，') : '无';
}

/** "东山镇2026年11月群众诉求办理情况公示" (without a township: from the month only). */
export function monthTitle(month: string, township = ''): string {
  const [y, m] = month.split('-');
  return `${township}${y}年${Number(m)}月群众诉求办理情况公示`;
}

/** One line of the case list: number, village, category, summary, department, state (outcome). */
export function caseLine(c: NoticeCase): string {
  const state = c.outcomeLabel && c.outcomeLabel !== c.statusLabel ? `${c.statusLabel}（${c.outcomeLabel}）` : c.statusLabel;
  return [c.ticketNo, c.village ?? '—', c.category, c.summary, c.department ?? '—', state].join(' ');
}

/** The WeChat plain text: a compact Chinese digest of the whole notice. */
export interface NoticeTextOptions {
  title?: string;
  /** TOWNSHIP_NAME: heads the default title. */
  township?: string;
  /** TOWNSHIP_HOTLINES: a closing line where residents can ask. */
  hotlines?: readonly string[];
  /** Above this many cases the list is replaced by a link (a WeChat group is no place for 10 000 lines). */
  maxCases?: number;
  caseListUrl?: string;
}

/** 经甄别不计入三率N件（不合理诉求n件、…）: the SPEC §18 screening line, nonzero categories only. */
export function screenedText(t: NoticeModel['totals']): string {
  const parts = Object.entries(t.screenedByCategory ?? {})
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${SCREENING_LABELS[c as ScreeningCategory] ?? c}${n}件`);
  return `经甄别不计入三率${t.screened}件（${parts.join('、')}）`;
}

export function noticeText(model: NoticeModel, opts: NoticeTextOptions = {}): string {
  const t = model.totals;
  const hidden = t.received - model.cases.length;
  const lines = [
    `【${opts.title ?? monthTitle(model.month, opts.township)}】`,
    '一、总体情况',
    `本月共受理群众诉求${t.received}件，已办结${t.closed}件，按时办结${t.onTime}件。`,
    `按时办结率${rateText(t.onTimeRate)}，平均首次响应${t.avgFirstResponseHours === null ? '—' : `${t.avgFirstResponseHours}小时`}。`,
    `响应率${rateText(t.responseRate)}，解决率${rateText(t.resolutionRate)}，满意率${rateText(t.satisfactionRate)}。`,
    ...(t.screened > 0 ? [`${screenedText(t)}。`] : []),
    `按渠道：${countsText(model.byChannel)}。`,
    `按类型：${countsText(model.byKind)}。`,
    `按分类：${countsText(model.byCategory)}。`,
    `按村（社区）：${model.byVillage.length ? model.byVillage.map((v) => `${v.name}${v.count}件（${countsText(v.byCategory)}）`).join('；') : '无'}。`,
    '二、各部门办理情况',
    ...(model.departments.length
      ? model.departments.map(
          (d) =>
            `${d.name}：受理${d.received}件，办结${d.closed}件，按时办结${d.onTime}件，逾期未办结${d.overdueOpen}件，` +
            `满意率${rateText(d.satisfactionRate)}，不当退单${d.improperReturns}次` +
            (d.coHandling ? `，协办${d.coHandling}件` : ''),
        )
      : ['无']),
    `三、诉求办理清单${hidden > 0 ? `（另有${hidden}件依规保密，只计入总数）` : ''}`,
    ...(model.cases.length === 0
      ? ['本月无可公开的诉求。']
      : opts.maxCases !== undefined && model.cases.length > opts.maxCases
        ? [`清单共${model.cases.length}件，请查看完整公示：${opts.caseListUrl ?? ''}`]
        : model.cases.map(caseLine)),
  ];
  if (model.nextSteps) lines.push('四、下一步工作', model.nextSteps);
  if (opts.hotlines?.length) lines.push(`如有疑问，请拨打咨询电话${opts.hotlines.join('、')}。`);
  return `${lines.join('\n')}\n`;
}

/** The case list as CSV (src/domain/csv.ts: quoting, BOM, formula cells neutralised). */
export function noticeCsv(model: NoticeModel): string {
  return toCsv(
    ['编号', '日期', '村（社区）', '分类', '摘要', '承办部门', '状态', '办理结果'],
    model.cases.map((c) =>
      [c.ticketNo, c.date, c.village, c.category, c.summary, c.department, c.statusLabel, c.outcomeLabel],
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// WeCom group robot messages (text content ≤ 2048 bytes of UTF-8)

function utf8Bytes(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Packs lines (each ending with its newline) into chunks of at most `budget` bytes. */
function pack(text: string, budget: number): string[] {
  const chunks: string[] = [];
  let current = '';
  let currentBytes = 0;
  const flush = () => {
    if (current) chunks.push(current);
    current = '';
    currentBytes = 0;
  };
  for (const line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const bytes = utf8Bytes(line);
    if (currentBytes + bytes <= budget) {
      current += line;
      currentBytes += bytes;
      continue;
    }
    flush();
    if (bytes <= budget) {
      current = line;
      currentBytes = bytes;
      continue;
    }
    // A line longer than a whole part: cut at character (code point) boundaries.
    for (const ch of line) {
      const b = utf8Bytes(ch);
      if (currentBytes + b > budget) flush();
      current += ch;
      currentBytes += b;
    }
  }
  flush();
  return chunks;
}

export const partPrefix = (i: number, n: number): string => `（${i}/${n}）\n`;

/**
 * Splits text into WeCom messages of at most `maxBytes` UTF-8 bytes, at line boundaries where it
 * can. Several parts each start with "（i/n）\n", counted within the limit; removing the prefixes
 * and joining the parts gives the text back exactly. Text that fits is one part, unprefixed.
 */
export function splitForWeCom(text: string, maxBytes = 2048): string[] {
  if (text === '') return [];
  if (utf8Bytes(text) <= maxBytes) return [text];
  // The prefix grows with the number of parts: size it for the widest i/n of each digit count.
  for (let digits = 1; ; digits++) {
    const widest = 10 ** digits - 1;
    const budget = maxBytes - utf8Bytes(partPrefix(widest, widest));
    if (budget < 4) throw new RangeError(`maxBytes ${maxBytes} is too small to split into parts`);
    const chunks = pack(text, budget);
    if (chunks.length <= widest) return chunks.map((c, i) => partPrefix(i + 1, chunks.length) + c);
  }
}

/** What every output of a notice may need besides the model: the township and where the page is. */
export interface OutputContext {
  township: string;
  hotlines: readonly string[];
  /** The public page of the month (the WeCom text links to it instead of a long case list). */
  pageUrl: string;
}

/** Up to this many cases go to the WeChat groups line by line; beyond, a link to the page. */
export const WECOM_MAX_CASES = 100;

/**
 * The notice's outputs by format, one entry each: the downloadable files (`file`: served at
 * /notices/YYYY-MM.<format>), the API's JSON and the WeCom parts. The web page and its A4 print
 * layout are one HTML template (src/http/views/notices/notice.eta, print CSS), not listed here.
 */
export const NOTICE_OUTPUTS = {
  /** The WeChat plain text, headed by the township's name and closed by its hotlines. */
  txt: {
    file: true,
    contentType: 'text/plain; charset=utf-8',
    render: (m: NoticeModel, c: OutputContext): string => noticeText(m, { township: c.township, hotlines: c.hotlines }),
  },
  /** The case list (formula cells neutralised, BOM for spreadsheet programs). */
  csv: {
    file: true,
    contentType: 'text/csv; charset=utf-8',
    render: (m: NoticeModel): string => noticeCsv(m),
  },
  /** The model as data (the same as the notices API answers), for anyone who republishes it. */
  json: {
    file: true,
    contentType: 'application/json; charset=utf-8',
    render: (m: NoticeModel): string => JSON.stringify(m),
  },
  /** The WeChat text in parts of ≤ 2048 bytes for the group robots; long case lists become a link. */
  wecom: {
    file: false,
    contentType: 'text/plain; charset=utf-8',
    render: (m: NoticeModel, c: OutputContext): string[] =>
      splitForWeCom(noticeText(m, { township: c.township, hotlines: c.hotlines, maxCases: WECOM_MAX_CASES, caseListUrl: c.pageUrl })),
  },
} as const;

export type NoticeFormat = keyof typeof NOTICE_OUTPUTS;
/** The formats served as files beside the page. */
export type NoticeFileFormat = { [F in NoticeFormat]: (typeof NOTICE_OUTPUTS)[F]['file'] extends true ? F : never }[NoticeFormat];
export const NOTICE_FILE_FORMATS = (Object.keys(NOTICE_OUTPUTS) as NoticeFormat[]).filter(
  (f): f is NoticeFileFormat => NOTICE_OUTPUTS[f].file,
);
