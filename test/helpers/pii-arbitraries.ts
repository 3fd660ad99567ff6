// fast-check generators of personal data as residents and clerks write it (SPEC §8 privacy tests):
// names with single and compound surnames, mobiles in every usual format, landlines, VALID ID
// numbers (ISO 7064 MOD 11-2 check character, X included), old 15-digit IDs, e-mails, and filler
// text that holds none of them. Each generated item carries the strings that must not survive.

import fc from 'fast-check';
import type { Test } from 'tap';
import { COMPOUND_SURNAMES } from '../../src/domain/masking.js';

export const SINGLE_SURNAMES = [...'张王李赵刘陈杨黄周吴徐孙朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤'];
/** Given-name characters: none ends a compound surname or occurs in notice templates or fillers. */
export const GIVEN_CHARS = [...'伟芳娜敏静强磊洋艳杰娟涛超霞刚桂英兰鹏辉玲婷'];

export interface GeneratedName {
  surname: string;
  given: string;
  full: string;
}

export const nameArb: fc.Arbitrary<GeneratedName> = fc
  .tuple(
    fc.oneof(fc.constantFrom(...SINGLE_SURNAMES), fc.constantFrom(...COMPOUND_SURNAMES)),
    fc.string({ unit: fc.constantFrom(...GIVEN_CHARS), minLength: 1, maxLength: 2 }),
  )
  .map(([surname, given]) => ({ surname, given, full: surname + given }));

/** Personal data as it appears in text, and the strings that must not survive scrubbing. */
export interface Shown {
  shown: string;
  needles: string[];
}

const digitsArb = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));

export const mobileArb: fc.Arbitrary<Shown> = fc
  .tuple(fc.constantFrom(...'3456789'), digitsArb(9), fc.integer({ min: 0, max: 7 }))
  .map(([second, rest, format]) => {
    const m = `1${second}${rest}`;
    const [a, b, c] = [m.slice(0, 3), m.slice(3, 7), m.slice(7)];
    const shown = [
      m,
      `${a} ${b} ${c}`,
      `${a}-${b}-${c}`,
      `+86 ${a} ${b} ${c}`,
      `+86${m}`,
      `+86-${a}-${b}-${c}`,
      `0086 ${m}`,
      `86-${m}`,
    ][format];
    return { shown, needles: [shown, m, `${b}${c}`] };
  });

export const landlineArb: fc.Arbitrary<Shown> = fc
  .tuple(
    fc.oneof(fc.constant('10'), fc.constant('21'), fc.stringMatching(/^[3-9][0-9]{2}$/)),
    fc.constantFrom(...'2345678'),
    fc.integer({ min: 6, max: 7 }).chain((n) => digitsArb(n)),
    fc.integer({ min: 0, max: 4 }),
  )
  .map(([areaTail, first, rest, format]) => {
    const area = `0${areaTail}`;
    const n = first + rest;
    const shown = [`${area}-${n}`, `${area}${n}`, `(${area})${n}`, `（${area}）${n}`, `${area} ${n}`][format];
    return { shown, needles: [shown, area + n, n] };
  });

const ISO7064_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** An 18-digit ID number with its GB 11643 check character (ISO 7064 MOD 11-2). */
export function idNumber(area: string, birth: string, seq: string): string {
  const body = area + birth + seq;
  if (!/^[0-9]{17}$/.test(body)) throw new RangeError(`not 17 digits: ${body}`);
  const sum = [...body].reduce((s, d, i) => s + Number(d) * ISO7064_WEIGHTS[i], 0);
  return body + '10X98765432'[sum % 11];
}

const AREAS = ['110101', '110105', '310104', '330102', '440305', '510104', '370202', '420106', '610113', '230102'];
const birthArb = fc
  .date({ min: new Date('1930-01-01T00:00:00Z'), max: new Date('2012-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10).replace(/-/g, ''));

export const idNumberArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...AREAS), birthArb, digitsArb(3), fc.boolean(), fc.boolean())
  .map(([area, birth, seq, lower, grouped]) => {
    const id = idNumber(area, birth, seq);
    const cased = lower ? id.toLowerCase() : id;
    return grouped ? `${cased.slice(0, 6)} ${cased.slice(6, 14)} ${cased.slice(14)}` : cased;
  });

export const oldIdArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...AREAS), birthArb, digitsArb(3))
  .map(([area, birth, seq]) => area + birth.slice(2) + seq);

export const emailArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9][a-z0-9._]{0,10}[a-z0-9]$/),
    fc.constantFrom('qq.com', '163.com', '126.com', 'gmail.com', 'sina.cn', 'example.org', 'mail.gov.cn'),
    fc.boolean(),
  )
  .map(([local, domain, upper]) => (upper ? `${local}@${domain}`.toUpperCase() : `${local}@${domain}`));

/** Words a resident writes; no personal data, no given-name characters, no digit at a word's end. */
export const FILLERS = [
  '路灯', '坏了', '好几天了', '村口', '希望尽快处理', '谢谢', '水管漏水', '垃圾没人清运', '家门口',
  '老人孩子', '反映过', '问题', '，', '。', '2次', '1200元', '3个月', '第3组', '下午', '晚上',
  '很危险', '请帮忙', '联系我', '路面塌陷', '补贴没到账', '噪音扰民', '！',
];
export const fillerArb: fc.Arbitrary<string> = fc.constantFrom(...FILLERS);

const separatorArb = fc.constantFrom(' ', '，', '、', '：', '；');

export const piiItemArb: fc.Arbitrary<Shown> = fc.oneof(
  mobileArb,
  landlineArb,
  idNumberArb.map((id) => ({ shown: id, needles: [id, id.replace(/ /g, '')] })),
  oldIdArb.map((id) => ({ shown: id, needles: [id] })),
  emailArb.map((e) => ({ shown: e, needles: [e] })),
);

export interface PiiText {
  text: string;
  needles: string[];
  name: GeneratedName;
}

/** Free text with 0–5 items of personal data and the complainant's name woven into fillers. */
export const piiTextArb: fc.Arbitrary<PiiText> = fc
  .tuple(
    nameArb,
    fc.array(fc.tuple(fc.array(fillerArb, { maxLength: 3 }), separatorArb, fc.oneof(piiItemArb, fc.constant(null))), {
      maxLength: 6,
    }),
    fc.array(fillerArb, { maxLength: 20 }),
  )
  .map(([name, pieces, tail]) => {
    const needles: string[] = [];
    const parts: string[] = [];
    for (const [words, sep, item] of pieces) {
      parts.push(words.join(''), sep);
      if (item) {
        parts.push(item.shown, sep);
        needles.push(...item.needles);
      } else {
        parts.push(name.full, sep);
      }
    }
    parts.push(tail.join(''));
    return { text: parts.join(''), needles, name };
  });

/** Runs a property (fast-check throws with the shrunk counterexample) as one named assertion. */
export function holds<T extends [unknown, ...unknown[]]>(
  t: Test,
  name: string,
  property: fc.IProperty<T>,
  params?: fc.Parameters<T>,
): void {
  fc.assert(property, params);
  t.pass(name);
}
