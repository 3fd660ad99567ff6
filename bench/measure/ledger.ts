// A ledger import at scale (SPEC §14: "a 10 000-row ledger import (§15) validated and committed in
// ≤ 60 s with flat memory"). The file is what a township really uploads: an XLSX (the costlier
// format to read) as 12345 platforms export it, with messy values — dates as date cells, Excel
// serials, "2026/3/5 9:07" and full-width "２０２６年３月５日 ９时７分", phones with spaces, dashes
// and +86, full-width digits in numbers —, about a third past cases (办结时间, 回复内容, 是否解决,
// 是否满意) and 1 % bad rows. Validation and commit run through the services the API calls
// (validateImport, commitImport), in this process with a pool of 20 like the API; the process RSS is
// sampled every 100 ms and its growth reported.
import os from 'node:os';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { serviceDeps } from '../../src/runtime.js';
import { createUser } from '../../src/services/users.service.js';
import { commitImport, validateImport } from '../../src/services/imports.service.js';
import { KIND_LABELS, KINDS } from '../../src/domain/sla.js';
import type { BenchContext, Row } from '../lib/types.js';
import { DEMANDS, GIVEN, SURNAMES, VILLAGES } from './notice.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const DAY_MS = 24 * 3600_000;
const CATEGORY_NAMES: Record<string, string> = {
  road: '道路桥梁与路灯', drinking_water: '饮水供水', agri_subsidy: '惠农补贴发放', elderly: '养老服务', wages: '欠薪与就业',
  dispute: '矛盾纠纷调解', pollution: '污染与噪声', sanitation: '环境卫生', power: '供电', dibao: '低保', education: '教育入学',
  safety: '安全隐患', market: '市场监管', irrigation: '灌溉水利', social_insurance: '社保医保', homestead: '宅基地与建房',
  land_contract: '土地承包流转', collective_assets: '集体资产与村务公开', other: '其他',
};
const HEADER = ['工单编号', '受理时间', '工单类型', '主要内容', '来电人', '联系电话', '所属村（社区）', '问题分类', '要求办结时间', '办结时间', '回复内容', '是否解决', '是否满意'];
const SATISFACTION = ['满意', '满意', '基本满意', '非常满意', '不满意', null];

const fullWidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
const wall = (at: Date) => new Date(at.getTime() + 8 * 3600_000);

/** One messy rendering of an instant, chosen by `i`. */
function messyTime(at: Date, i: number): string | number | Date {
  const w = wall(at);
  const [y, mo, d, h, mi] = [w.getUTCFullYear(), w.getUTCMonth() + 1, w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes()];
  switch (i % 4) {
    case 0: return w; // a date cell (exceljs writes the UTC fields as the wall time)
    case 1: return (w.getTime() - Date.UTC(1899, 11, 30)) / DAY_MS; // a bare serial
    case 2: return `${y}/${mo}/${d} ${h}:${String(mi).padStart(2, '0')}`;
    default: return fullWidth(`${y}年${mo}月${d}日 ${h}时${mi}分`);
  }
}

function messyPhone(i: number): string {
  const n = `13${(i * 7919) % 10}${String(10_000_000 + ((i * 104_729) % 89_999_999)).slice(0, 8)}`;
  return [n, `${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`, `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`, `+86 ${n}`, fullWidth(n)][i % 5];
}

export async function ledgerXlsx(rows: number, now: Date, tag: string): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: true });
  const sheet = book.addWorksheet('工单明细');
  sheet.addRow(HEADER).commit();
  for (let i = 0; i < rows; i++) {
    const [category, content] = DEMANDS[i % DEMANDS.length];
    const received = new Date(now.getTime() - (1 + ((i * 37) % 300)) * DAY_MS - ((i * 613) % 36_000) * 1000);
    const past = i % 3 === 0;
    const bad = i % 100 === 99;
    const closed = new Date(Math.min(received.getTime() + (1 + (i % 9)) * DAY_MS, now.getTime() - 3600_000));
    sheet.addRow([
      `${tag}${String(i).padStart(6, '0')}`,
      bad ? '上周' : messyTime(received, i),
      KIND_LABELS[KINDS[i % KINDS.length]],
      `${content}（${i}）`,
      `${SURNAMES[i % SURNAMES.length]}${GIVEN[i % GIVEN.length]}`,
      messyPhone(i),
      `${VILLAGES[i % VILLAGES.length][1]}${1 + (i % 7)}组`,
      CATEGORY_NAMES[category] ?? '其他',
      i % 5 === 0 ? messyTime(new Date(received.getTime() + 15 * DAY_MS), i + 2) : null,
      past ? messyTime(closed, i + 1) : null,
      past ? '经核实已安排人员处理，并电话告知诉求人处理结果' : null,
      past ? (i % 4 === 0 ? '否' : '是') : null,
      past ? SATISFACTION[i % SATISFACTION.length] : null,
    ]).commit();
  }
  sheet.commit();
  await book.commit();
  return Buffer.concat(chunks);
}

export async function measureLedger(ctx: BenchContext, rows = 10_000): Promise<{ rows: Row[]; raw: unknown }> {
  const pool = new pg.Pool({ connectionString: ctx.db.url, max: 20 });
  const deps = serviceDeps({ db: pool, clock: systemClock, log: silent, config: loadConfig({ ...ctx.serverEnv, LOG_LEVEL: 'silent' }) });
  try {
    await createUser(deps, 'bench', { username: 'bench.ledger', password: 'bench-password-123', displayName: '台账压测', roles: ['clerk'] });
    const { rows: u } = await pool.query<{ id: string }>(`SELECT id::text FROM users WHERE username = 'bench.ledger'`);
    const who = { userId: u[0].id, username: 'bench.ledger', displayName: '台账压测' };
    const file = await ledgerXlsx(rows, new Date(), 'LB');
    ctx.log(`ledger: ${rows} rows, ${(file.length / 2 ** 20).toFixed(1)} MB XLSX; validating and committing`);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
    const t0 = Date.now();
    const report = await validateImport(deps, who, { buffer: file, fileName: 'bench.xlsx' }, {});
    const t1 = Date.now();
    const result = await commitImport(deps, who, report.importId);
    const t2 = Date.now();
    clearInterval(sampler);
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    const heapAfter = process.memoryUsage().heapUsed;
    const load = os.loadavg()[0];
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
    const totalS = (t2 - t0) / 1000;
    const ok = result.imported === report.valid && report.invalid === Math.floor(rows / 100);
    ctx.log(`ledger: validate ${(t1 - t0) / 1000} s, commit ${(t2 - t1) / 1000} s, imported ${result.imported}, past ${result.pastCases}, invalid ${report.invalid}`);
    return {
      rows: [{
        id: 'ledger',
        figure: `${rows.toLocaleString('en-US')}-row ledger import (XLSX, messy values) validated + committed`,
        measured: `${totalS.toFixed(1)} s (validate ${((t1 - t0) / 1000).toFixed(1)} s, commit ${((t2 - t1) / 1000).toFixed(1)} s)`,
        baseline: '—',
        ratio: null,
        target: '≤ 60 s, flat memory',
        pass: ok && totalS <= 60,
        note: `RSS ${mb(rssBefore)} → peak ${mb(rssPeak)} (+${mb(rssPeak - rssBefore)}), after ${mb(rssAfter)}; heap ${mb(heapBefore)} → ${mb(heapAfter)}; ` +
          `load average ${load.toFixed(1)} on ${os.cpus().length} CPUs; ` +
          `${result.imported} registered (${result.pastCases} past cases closed), ${report.invalid} bad rows reported` +
          (ok ? '' : ' — COUNTS WRONG'),
      }],
      raw: { rows, fileBytes: file.length, validateMs: t1 - t0, commitMs: t2 - t1, report: { ...report, errors: report.errors.slice(0, 5) }, result: { ...result, errors: result.errors.slice(0, 5) }, rssBefore, rssPeak, rssAfter, heapBefore, heapAfter, loadAverage: load },
    };
  } finally {
    await pool.end();
  }
}
