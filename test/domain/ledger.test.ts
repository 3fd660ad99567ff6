// Ledger values and files (SPEC §15) as pure rules and a reader: dates in every form a clerk's
// spreadsheet holds them, phones, CSV quoting (property-tested against the one CSV writer), the
// header mapping, and XLSX read through exceljs's streaming reader without garbling Chinese text
// that straddles the reader's chunks, CSV in GB18030.
import t from 'tap';
import fc from 'fast-check';
import { csvRow } from '../../src/domain/csv.js';
import { formatWallTime, halfWidth, parseCsv, parseInstant, parsePhone } from '../../src/domain/ledger-values.js';
import { mapHeaders, missingFields } from '../../src/domain/ledger.js';
import { decodeCsv, ledgerRows, sniffLedger } from '../../src/services/ledger-file.js';
import { gb18030, xlsxBuffer } from '../helpers/ledger.js';

const iso = (v: Parameters<typeof parseInstant>[0]) => parseInstant(v)?.at.toISOString() ?? null;

t.test('instants: the forms real ledgers use, as Asia/Shanghai wall times', async (t) => {
  t.equal(iso('2026/3/5 9:07'), '2026-03-05T01:07:00.000Z');
  t.equal(iso('2026-03-05 09:07:30'), '2026-03-05T01:07:30.000Z');
  t.equal(iso('2026.3.5'), '2026-03-04T16:00:00.000Z');
  t.equal(iso('２０２６年３月５日 ９时７分'), '2026-03-05T01:07:00.000Z');
  t.equal(iso('2026年3月5日'), '2026-03-04T16:00:00.000Z');
  t.equal(iso('20260305 0907'), '2026-03-05T01:07:00.000Z');
  t.equal(iso('2026-03-05T09:07:00+08:00'), '2026-03-05T01:07:00.000Z');
  t.equal(iso(46086.379861111), '2026-03-05T01:07:00.000Z', 'an Excel serial');
  t.equal(iso('46086'), '2026-03-04T16:00:00.000Z', 'a serial typed as text');
  t.equal(iso(new Date(Date.UTC(2026, 2, 5, 9, 7))), '2026-03-05T01:07:00.000Z', 'an exceljs date cell');
  t.equal(parseInstant('2026-03-05')?.dateOnly, true);
  for (const bad of ['2026-02-30', '2026-13-01', '昨天', '3/5', '25:00', '2026-03-05 24:00', 12, true, null]) t.equal(parseInstant(bad as never), null, String(bad));
  fc.assert(
    fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), (d) => {
      const s = new Date(Math.floor(d.getTime() / 1000) * 1000);
      return parseInstant(formatWallTime(s))?.at.getTime() === s.getTime();
    }),
  );
});

t.test('phones: spaces, dashes, +86, full-width; masked reads as none', async (t) => {
  const p = (v: string | number) => parsePhone(v);
  t.same(p('138 1234 5678'), { ok: true, phone: '13812345678' });
  t.same(p('138-1234-5678'), { ok: true, phone: '13812345678' });
  t.same(p('+86 138 1234 5678'), { ok: true, phone: '13812345678' });
  t.same(p('８６１３８１２３４５６７８'), { ok: true, phone: '13812345678' });
  t.same(p(13812345678), { ok: true, phone: '13812345678' });
  t.same(p('0571-8888 6666'), { ok: true, phone: '0571-88886666' });
  t.same(p('（0571）88886666'), { ok: true, phone: '057188886666' });
  t.same(p('138****5678'), { ok: true, phone: null });
  t.same(p('12345'), { ok: false });
  t.same(p('13812345678/13912345678'), { ok: false });
  t.equal(halfWidth('ＧＤ－００１'), 'GD-001');
});

t.test('CSV: whatever the writer writes, the reader reads back', async (t) => {
  const cell = fc.oneof(fc.string(), fc.constantFrom('a,b', 'say "hi"', 'two\r\nlines', '', '中文，逗号'));
  fc.assert(
    fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }), (rows) => {
      const text = rows.map((r) => csvRow(r.map((c) => (/^[=+\-@\t\r]/.test(c) ? `x${c}` : c)))).join('\r\n') + '\r\n';
      const back: string[][] = [];
      parseCsv(text, (cells) => void back.push(cells));
      return JSON.stringify(back) === JSON.stringify(rows.map((r) => r.map((c) => (/^[=+\-@\t\r]/.test(c) ? `x${c}` : c))));
    }),
  );
  const rows: string[][] = [];
  parseCsv('\uFEFFa,b\nc,"d\ne"\r\nf,', (c) => void rows.push(c));
  t.same(rows, [['a', 'b'], ['c', 'd\ne'], ['f', '']], 'BOM, LF, quoted newline, trailing empty cell');
});

t.test('headers: the usual names, full-width brackets, the clerk’s choice, the first of two', async (t) => {
  t.same(mapHeaders(['工单编号', '来电时间', '诉求类型', '诉求内容', '所属村（社区）', '受理时间', '备注']), ['externalNo', 'receivedAt', 'kind', 'content', 'village', 'ignore', null]);
  t.same(mapHeaders(['编号', '内容'], { 编号: 'externalNo', 内容: 'content' }), ['externalNo', 'content']);
  t.same(missingFields(mapHeaders(['本系统工单号', '受理时间', '工单类型', '主要内容'])), [], '本系统工单号 stands for 工单编号');
  t.same(missingFields(mapHeaders(['工单编号'])), ['receivedAt', 'kind', 'content']);
});

t.test('files: sniffed from the bytes; GB18030 CSV; XLSX Chinese text intact across the reader’s chunks', async (t) => {
  t.equal(sniffLedger(Buffer.from('工单编号,受理时间\r\n')), 'csv');
  t.equal(decodeCsv(gb18030('来电人,王建国')), '来电人,王建国');
  t.equal(decodeCsv(Buffer.from('\uFEFF来电人,王建国')), '来电人,王建国', 'the BOM dropped');
  // ~600 KB of shared strings: dozens of 16 KB inflate chunks, each boundary likely mid-character.
  const text = (i: number) => `第${i}号：村东头的水泥路塌了一个大坑，晚上骑电动车的人已经摔了两个，请尽快修补（东山村${i % 7}组）`;
  const book = await xlsxBuffer([['工单编号', '主要内容'], ...Array.from({ length: 6000 }, (_, i) => [`X${i}`, text(i)])]);
  let bad = 0;
  let n = 0;
  for await (const { line, cells } of ledgerRows(book)) {
    if (line === 1) continue;
    n++;
    if (cells[1] !== text(line - 2)) bad++;
  }
  t.equal(n, 6000);
  t.equal(bad, 0, 'no U+FFFD, no character lost');
});
