// Masking (SPEC §8 privacy): names as surname + 某, free text scrubbed of phones, ID numbers,
// e-mails and names, addresses cut to the village — over generated inputs, not just examples.

import t from 'tap';
import fc from 'fast-check';
import {
  COMPOUND_SURNAMES,
  containsPersonalData,
  maskName,
  maskPhone,
  phoneLast4,
  scrubText,
  villageOnly,
} from '../../src/domain/masking.js';
import { formatTicketNo, generateTicketNo } from '../../src/domain/ticket-number.js';
import {
  GIVEN_CHARS,
  SINGLE_SURNAMES,
  emailArb,
  fillerArb,
  holds,
  idNumber,
  idNumberArb,
  landlineArb,
  mobileArb,
  nameArb,
  oldIdArb,
  piiTextArb,
} from '../helpers/pii-arbitraries.js';

const chars = (s: string): number => Array.from(s).length;

t.test('maskPhone and phoneLast4 (unchanged behaviour)', async (t) => {
  t.equal(maskPhone('13812345678'), '138****5678');
  t.equal(maskPhone('0571-88886666'), '0571-****6666');
  t.equal(maskPhone(null), null);
  t.equal(phoneLast4('0571-88886666'), '6666');
  t.equal(phoneLast4('12'), null);
});

t.test('maskName: examples', async (t) => {
  t.equal(maskName('张三'), '张某');
  t.equal(maskName('王小明'), '王某');
  t.equal(maskName('欧阳明华'), '欧阳某');
  t.equal(maskName('司马光'), '司马某');
  t.equal(maskName('诸葛亮'), '诸葛某');
  t.equal(maskName('万俟卨'), '万俟某');
  t.equal(maskName(' 王 小 明 '), '王某', 'whitespace inside and around is ignored');
  t.equal(maskName('钟离'), '钟某', 'a two-character name is surname + one given character');
  t.equal(maskName('爱新觉罗溥仪'), '爱新觉罗某');
  t.equal(maskName('张'), '张某');
  t.equal(maskName(''), '某');
  t.equal(maskName(' \t\u3000'), '某');
  t.equal(maskName('𠮷野'), '𠮷某', 'a surname outside the BMP stays whole');
});

t.test('maskName: every compound surname of the brief is known', async (t) => {
  const required =
    '欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 百里 呼延 万俟 澹台 公冶 太史 申屠 闻人 赫连 濮阳 宗政'.split(' ');
  for (const s of required) t.ok(COMPOUND_SURNAMES.has(s), s);
  for (const s of COMPOUND_SURNAMES) t.equal(chars(s), 2, `${s} has two characters`);
});

t.test('maskName over generated names', async (t) => {
  holds(
    t,
    'surname + 某, never the given name',
    fc.property(nameArb, ({ surname, given, full }) => {
      const masked = maskName(full);
      return masked === `${surname}某` && !masked.includes(given) && masked.startsWith(surname) && masked.endsWith('某');
    }),
    { numRuns: 2000 },
  );
  // Given names drawn mostly from the characters that end a compound surname (阳, 马, 葛, 离 …):
  // 张阳明 must stay 张某, while 钟离 + 明 is the compound 钟离 and is left to the property above.
  const COMPOUND_ENDS = [...new Set([...COMPOUND_SURNAMES].map((c) => Array.from(c)[1]))];
  let endsCompound = 0;
  holds(
    t,
    'a single surname never turns into a compound by accident of the given name',
    fc.property(
      fc.constantFrom(...SINGLE_SURNAMES),
      fc.string({ minLength: 1, maxLength: 3, unit: fc.oneof({ arbitrary: fc.constantFrom(...COMPOUND_ENDS), weight: 3 }, fc.constantFrom(...GIVEN_CHARS)) }),
      (s, g) => {
        fc.pre(!COMPOUND_SURNAMES.has(s + Array.from(g)[0]));
        if (COMPOUND_ENDS.includes(Array.from(g)[0])) endsCompound++;
        return maskName(s + g) === `${s}某`;
      },
    ),
    { numRuns: 2000 },
  );
  t.ok(endsCompound > 1000, `${endsCompound} given names began with a character that ends a compound surname`);
});

t.test('villageOnly', async (t) => {
  t.equal(villageOnly('东山村3组12号', null), '东山村');
  t.equal(villageOnly('东山村村委会旁', null), '东山村');
  t.equal(villageOnly('北苑社区5栋2单元301室', null), '北苑社区');
  t.equal(villageOnly('北苑社区居委会', null), '北苑社区', 'the first of 村/社区/居委会 wins');
  t.equal(villageOnly('新华居委会3号楼', null), '新华居委会');
  t.equal(villageOnly('某镇东山村 3 组', null), '某镇东山村', 'what is coarser than the village stays');
  t.equal(villageOnly(' 西河 村5组 ', null), '西河村', 'whitespace is ignored');
  t.equal(villageOnly('3组12号', null), null, 'nothing to cut to: not shown at all');
  t.equal(villageOnly('村口小卖部', null), null, 'a bare 村 is not a village name');
  t.equal(villageOnly('', null), null);
  t.equal(villageOnly(null, null), null);
  t.equal(villageOnly('东山村3组12号', '东山村'), '东山村');
  t.equal(villageOnly('3组12号', '东山村'), '东山村', 'the known village wins');
  t.equal(villageOnly(null, ' 北苑社区 '), '北苑社区');
  t.equal(villageOnly('西河村5组', '  '), '西河村', 'a blank village name is no village name');
});

t.test('scrubText: examples', async (t) => {
  const opts = { names: ['张三'], maxLength: Infinity };
  const cases: [string, string][] = [
    // Clauses left with nothing but scrubbed contact data are dropped (issue 11 item 15).
    ['我叫张三，电话13812345678，路灯坏了', '路灯坏了'],
    ['手机 138 1234 5678 或 138-1234-5678', '手机 *** 或 ***'],
    ['+86 138 1234 5678、+86-13812345678、008613812345678、8613812345678', '***、***、***、***'],
    ['座机0571-88886666，(0571)8888 6666，（010）12345678，010 8765 4321', '座机***，***，***，***'],
    [`身份证${idNumber('330102', '19900101', '123')}。`, '身份证***。'],
    ['旧身份证330102900101123。', '旧身份证***。'],
    ['身份证 330102 19900101 1234 和 33010219900307123x', '身份证 *** 和 ***'],
    ['一卡通 6222 0212 3456 7890 123 没到账', '一卡通 *** 没到账'],
    ['邮箱 Zhang.San_1990@qq.com 或 ｚｓ＠１６３．ｃｏｍ', '邮箱 *** 或 ***'],
    ['电话 88886666，QQ 12345678，微信号 zhang_san88，vx:abc12345', '电话 ***，QQ ***，微信号 ***，vx:***'],
    ['１３８１２３４５６７８（全角）', '***（全角）'],
    ['138\u200B1234\u200B5678 零宽字符', '*** 零宽字符'],
    ['家住东山村3组12号，门口路灯坏', '家住东山村3组***，门口路灯坏'],
    ['人民路8号，5栋2单元301室楼下', '人民路***，***楼下'],
    ['张 三说张三家的事', '张某说张某家的事'],
    ['多个   空格\n\n换行\t制表', '多个 空格 换行 制表'],
  ];
  for (const [input, expected] of cases) t.equal(scrubText(input, opts), expected, input);
});

t.test('scrubText: names', async (t) => {
  t.equal(
    scrubText('欧阳明华反映，明华家门口的路灯不亮，欧阳 明华很着急', { names: ['欧阳明华'] }),
    '欧阳某反映，某某家门口的路灯不亮，欧阳某很着急',
    'full name → masked; the two-character given name alone → 某某',
  );
  t.equal(scrubText('张三丰的儿子张三', { names: ['张三', '张三丰'] }), '张某的儿子张某', 'longest name first');
  t.equal(scrubText('李四说三次了', { names: ['张三', null, undefined, '', ' '], findNames: false }), '李四说三次了', 'a one-character given name alone is left');
  t.equal(scrubText('李四说三次了', { names: ['张三'] }), '李某说三次了', 'but the segmenter finds 李四 as a name of its own');
  t.equal(scrubText('王(1)说', { names: ['王(1)'] }), '王某说', 'regex characters in names are literal');
});

t.test('scrubText: other people\'s names (segmenter), official numbers kept, contact-only clauses dropped', async (t) => {
  t.equal(scrubText('邻居赵小明家养猪场污水直排河道，气味很大'), '邻居赵某家养猪场污水直排河道，气味很大');
  t.equal(scrubText('村支书李华说下周来修'), '村支书李某说下周来修');
  t.equal(scrubText('我叫王建国，电话13800001234，身份证号110101199003071234，村口路灯坏了', { names: ['王建国'] }), '村口路灯坏了');
  const hotlines = ['0571-88881234', '12345'];
  t.equal(scrubText('如有疑问请拨打镇便民服务热线0571-88881234或12345', { officialNumbers: hotlines }), '如有疑问请拨打镇便民服务热线0571-88881234或12345');
  t.equal(scrubText('请拨打0571-88889999', { officialNumbers: hotlines }), '请拨打***', 'any other number is still masked');
  t.equal(scrubText('谢谢，路灯坏了'), '谢谢，路灯坏了', 'a word jieba tags as a name is not one');
});

t.test('scrubText: addresses are cut to the village', async (t) => {
  t.equal(
    scrubText('我家在东山村3组12号，门前路灯坏了', { addresses: ['东山村3组12号'] }),
    '我家在东山村，门前路灯坏了',
  );
  t.equal(scrubText('住在3组12号旁边', { addresses: ['3组12号'] }), '住在***旁边', 'no village to cut to: removed');
  t.equal(scrubText('东山村路灯坏了', { addresses: ['东山村'] }), '东山村路灯坏了', 'a bare village stays');
});

t.test('scrubText: what is not personal data is kept', async (t) => {
  const no = generateTicketNo(new Date('2026-11-25T09:30:00+08:00'), '483920');
  const keep = [
    `工单${no}和${formatTicketNo(no)}已催办2次`,
    `编号 ${formatTicketNo(no)} 13次`,
    '补贴1,200.50元，欠薪38000元，共12000000元',
    '2026-11-25至2026-11-30，2026-11-25 — 2026-11-30，14:30',
    '第3组有12户，11月12号开会，3号楼前',
    '打过12345热线电话12345，供电所95598',
    '面积 120 平方米，3 个月，2 次',
    'hotel 1234567 房间',
  ];
  for (const text of keep) {
    t.equal(scrubText(text, { maxLength: Infinity }), text, text);
    t.notOk(containsPersonalData(text), `not personal: ${text}`);
  }
});

t.test('scrubText: the cut', async (t) => {
  const text = '一二三四五六七八九十'.repeat(10);
  const cut = scrubText(text);
  t.equal(chars(cut), 80, 'default 80 characters');
  t.equal(cut, `${text.slice(0, 79)}…`);
  t.equal(scrubText(text, { maxLength: 10 }), '一二三四五六七八九…');
  t.equal(scrubText('一二三四五', { maxLength: 5 }), '一二三四五', 'exactly the limit is not cut');
  t.equal(scrubText('😀'.repeat(12), { maxLength: 10 }), `${'😀'.repeat(9)}…`, 'characters, not UTF-16 units');
  t.equal(scrubText(`路灯${'  '.repeat(50)}坏了`, { maxLength: 10 }), '路灯 坏了', 'whitespace collapses before the cut');
  t.equal(scrubText(`电话13812345678${'。'.repeat(90)}`, { maxLength: 10 }), '电话***。。。。…', 'scrubbed before cut');
  t.equal(scrubText('   '), '');
  t.throws(() => scrubText('x', { maxLength: 0 }), RangeError);
  t.throws(() => scrubText('x', { maxLength: 2.5 }), RangeError);
});

t.test('containsPersonalData', async (t) => {
  for (const s of ['13812345678', '电话 138 1234 5678', '0571-88886666', idNumber('110101', '19491001', '001'),
    '330102900101123', 'a@b.cn', '6222021234567890123', '微信号 zhang_san88', '电话 88886666']) {
    t.ok(containsPersonalData(`前缀${s}后缀`), s);
  }
  for (const s of ['', '路灯坏了', '张某', '***', '20261125-483920-7', '1200元', '12345热线', '东山村3组12号']) {
    t.notOk(containsPersonalData(s), s);
  }
});

t.test('scrubText over generated text with embedded personal data', async (t) => {
  let plantedBeyondCut = 0;
  holds(
    t,
    'no phone, ID, e-mail, name or digit remnant survives anywhere in the text; the summary ≤ 80 characters',
    fc.property(piiTextArb, ({ text, needles, name }) => {
      if (chars(scrubText(text, { names: [name.full] })) > 80) return false;
      // Every planted item is checked: the whole text scrubbed, not only the part the cut keeps.
      const out = scrubText(text, { names: [name.full], maxLength: Infinity });
      for (const n of needles) {
        if (out.includes(n)) return false;
        if (chars(text.slice(0, text.indexOf(n))) >= 80) plantedBeyondCut++;
      }
      if (out.includes(name.full)) return false;
      // No remnant of a number: no five digits in a row even across separators.
      if (/[0-9]{5}/.test(out.replace(/[\s-]/g, ''))) return false;
      if (containsPersonalData(out)) return false;
      return needles.length === 0 || containsPersonalData(text);
    }),
    { numRuns: 3000 },
  );
  t.ok(plantedBeyondCut > 100, `${plantedBeyondCut} planted items lay beyond the 80-character cut and were checked`);
});

t.test('each kind of personal data alone, in every format', async (t) => {
  const one = fc.oneof(
    mobileArb.map((m) => m.shown),
    landlineArb.map((l) => l.shown),
    idNumberArb,
    oldIdArb,
    emailArb,
  );
  holds(
    t,
    'detected before, removed after',
    fc.property(fillerArb, one, fillerArb, (before, pii, after) => {
      const out = scrubText(`${before} ${pii} ${after}`, { maxLength: Infinity });
      return !out.includes(pii) && containsPersonalData(pii) && !containsPersonalData(out);
    }),
    { numRuns: 3000 },
  );
});

t.test('ordinary text passes unchanged (whitespace collapsed)', async (t) => {
  holds(
    t,
    'filler text is kept',
    fc.property(fc.array(fillerArb, { maxLength: 12 }), (words) => {
      const text = words.join(' ');
      return scrubText(text, { maxLength: Infinity }) === text.replace(/\s+/g, ' ').trim() && !containsPersonalData(text);
    }),
    { numRuns: 1000 },
  );
});

t.test('valid ID numbers (ISO 7064 MOD 11-2), X included', async (t) => {
  // By hand: Σ digit × weight over 33010219900101123 = 162; 162 mod 11 = 8 → '10X98765432'[8] = 4.
  t.equal(idNumber('330102', '19900101', '123'), '330102199001011234');
  // 11010519491231002: Σ = 167; 167 mod 11 = 2 → X (the example of GB 11643).
  t.equal(idNumber('110105', '19491231', '002'), '11010519491231002X');
  holds(
    t,
    'IDs ending in X or x are removed whole',
    fc.property(idNumberArb.filter((id) => /x$/i.test(id)), (id) => scrubText(`号${id}号`) === '号***号'),
    { numRuns: 300 },
  );
});
