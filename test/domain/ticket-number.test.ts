// Ticket numbers: Damm check digit error detection, Asia/Shanghai date prefix, display and parsing.

import t from 'tap';
import fc from 'fast-check';
import {
  dammCheckDigit,
  formatTicketNo,
  generateTicketNo,
  parseTicketNo,
  shanghaiDateKey,
} from '../../src/domain/ticket-number.js';

// Instants whose Shanghai date has a four-digit year (ticket numbers need exactly 8 date digits).
const instantArb = fc.date({
  min: new Date('1000-01-01T00:00:00+08:00'),
  max: new Date('9999-12-31T23:59:59.999+08:00'),
  noInvalidDate: true,
});
const random6Arb = fc.stringMatching(/^[0-9]{6}$/);
const ticketNoArb = fc.tuple(instantArb, random6Arb).map(([d, r]) => generateTicketNo(d, r));

const isValid = (no: string): boolean => parseTicketNo(no).ok;

t.test('dammCheckDigit', async (t) => {
  t.equal(dammCheckDigit('572'), 4, 'the textbook example: 572 → 4');
  t.equal(dammCheckDigit('5724'), 0, 'a number with its check digit appended checks to 0');
  t.equal(dammCheckDigit('0'), 0);
  t.equal(dammCheckDigit('00000000000000'), 0, 'all zeros stay zero');
  t.equal(dammCheckDigit('20261125483921'), 3);
  t.equal(dammCheckDigit('202611254839213'), 0);
  for (const bad of ['', '12a4', '１２３', ' 123', '12-3', '1.5']) {
    t.throws(() => dammCheckDigit(bad), RangeError, `rejects ${JSON.stringify(bad)}`);
  }
});

t.test('shanghaiDateKey uses the Asia/Shanghai calendar day', async (t) => {
  t.equal(shanghaiDateKey(new Date('2026-11-24T15:59:59.999Z')), '20261124', '23:59:59.999 local');
  t.equal(shanghaiDateKey(new Date('2026-11-24T16:00:00.000Z')), '20261125', 'local midnight');
  t.equal(shanghaiDateKey(new Date('2025-12-31T16:00:00Z')), '20260101', 'new year comes 8 h early');
  t.equal(shanghaiDateKey(new Date('2024-02-28T16:00:00Z')), '20240229', 'leap day');
  t.equal(shanghaiDateKey(new Date('2026-07-01T12:00:00+08:00')), '20260701', 'no DST in summer');
  t.throws(() => shanghaiDateKey(new Date(Number.NaN)), RangeError, 'invalid date');
  t.throws(() => shanghaiDateKey(new Date('0999-06-01T00:00:00Z')), RangeError, 'three-digit year');
  t.throws(() => shanghaiDateKey(new Date('+010000-06-01T00:00:00Z')), RangeError, 'five-digit year');

  fc.assert(
    fc.property(instantArb, (d) => {
      const key = shanghaiDateKey(d);
      const iso = new Date(d.getTime() + 8 * 3600_000).toISOString();
      return key === iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10);
    }),
  );
});

t.test('generateTicketNo', async (t) => {
  const no = generateTicketNo(new Date('2026-11-25T09:30:00+08:00'), '483921');
  t.equal(no, '202611254839213');
  t.equal(no.length, 15);
  t.equal(formatTicketNo(no), '20261125-483921-3');
  t.equal(
    generateTicketNo(new Date('2026-11-24T17:00:00Z'), '000000').slice(0, 8),
    '20261125',
    'registered at 01:00 Shanghai time: the local date, not the UTC one',
  );
  for (const bad of ['', '12345', '1234567', '12a456', '１２３４５６', '123 45']) {
    t.throws(() => generateTicketNo(new Date(), bad), RangeError, `random part ${JSON.stringify(bad)}`);
  }
  t.throws(() => generateTicketNo(new Date(Number.NaN), '123456'), RangeError, 'invalid date');

  fc.assert(
    fc.property(instantArb, random6Arb, (d, r) => {
      const n = generateTicketNo(d, r);
      return (
        /^[0-9]{15}$/.test(n) &&
        n.slice(0, 8) === shanghaiDateKey(d) &&
        n.slice(8, 14) === r &&
        n[14] === String(dammCheckDigit(n.slice(0, 14))) &&
        isValid(n)
      );
    }),
  );
});

t.test('every single-digit substitution at every position is detected', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(ticketNoArb, (no) => {
      for (let pos = 0; pos < no.length; pos++) {
        for (let digit = 0; digit <= 9; digit++) {
          if (String(digit) === no[pos]) continue;
          const typo = no.slice(0, pos) + String(digit) + no.slice(pos + 1);
          const r = parseTicketNo(typo);
          if (r.ok || r.reason !== 'check_digit') return false;
          checked++;
        }
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.equal(checked, 500 * 15 * 9, 'all 135 substitutions of each of 500 numbers were tried');
});

t.test('every adjacent transposition of two different digits is detected', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(ticketNoArb, (no) => {
      for (let pos = 0; pos + 1 < no.length; pos++) {
        if (no[pos] === no[pos + 1]) continue;
        const swapped = no.slice(0, pos) + no[pos + 1] + no[pos] + no.slice(pos + 2);
        const r = parseTicketNo(swapped);
        if (r.ok || r.reason !== 'check_digit') return false;
        checked++;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.ok(checked > 500 * 5, `${checked} transpositions tried`);
});

t.test('all 135 substitutions of one fixed number', async (t) => {
  // Independent of the generator: all substitutions and swaps of one fixed valid number, including
  // the check digit itself and the date/random and random/check boundaries.
  const no = '202611254839213';
  t.ok(isValid(no));
  let detected = 0;
  for (let pos = 0; pos < 15; pos++) {
    for (let digit = 0; digit <= 9; digit++) {
      if (String(digit) === no[pos]) continue;
      if (!isValid(no.slice(0, pos) + String(digit) + no.slice(pos + 1))) detected++;
    }
  }
  t.equal(detected, 135);
});

t.test('formatTicketNo', async (t) => {
  t.equal(formatTicketNo('202611254839213'), '20261125-483921-3');
  for (const bad of ['', '20261125483920', '2026112548392131', '20261125-483921-3', '２０２６１１２５４８３９２１３']) {
    t.throws(() => formatTicketNo(bad), RangeError, `rejects ${JSON.stringify(bad)}`);
  }
});

t.test('parseTicketNo accepts what people type', async (t) => {
  const expected = { ok: true, ticketNo: '202611254839213' };
  const inputs = [
    '202611254839213',
    '20261125-483921-3',
    '20261125 483921 3',
    ' 20261125 - 483921 - 3 ',
    '2026-1125-4839-213',
    '2 0 2 6 1 1 2 5 4 8 3 9 2 1 3',
    '20261125\t483921\n3',
    '２０２６１１２５－４８３９２１－３', // full-width digits and hyphen
    '２０２６１１２５　４８３９２１　３', // ideographic spaces
    '20261125—483921—3', // em dash
    '20261125–483921–3', // en dash
    '20261125‐483921‐3', // Unicode hyphen
    '20261125−483921−3', // minus sign
    '20261125\u00a0483921\u00a03', // no-break space
  ];
  for (const input of inputs) t.same(parseTicketNo(input), expected, JSON.stringify(input));
});

t.test('parseTicketNo rejects bad formats', async (t) => {
  const bad = [
    '',
    '   ',
    '-',
    '20261125483921', // 14 digits
    '2026112548392131', // 16 digits
    '20261125-483921-3-1',
    '20261125.483921.3', // dots are not separators
    '20261125/483921/3',
    '2026112548392O3', // letter O for zero
    'HY202611254839213',
    '+202611254839213',
    '٢٠٢٦١١٢٥٤٨٣٩٢٠٨', // Arabic-Indic digits are not normalised to ASCII
    '2'.repeat(15) + ' '.repeat(100), // over-long input
  ];
  for (const input of bad) t.same(parseTicketNo(input), { ok: false, reason: 'format' }, JSON.stringify(input));
  t.same(parseTicketNo(undefined as unknown as string), { ok: false, reason: 'format' }, 'non-string');
  t.same(parseTicketNo('20261125-483921-7'), { ok: false, reason: 'check_digit' }, 'wrong check digit');
  t.same(parseTicketNo('20261125-483912-3'), { ok: false, reason: 'check_digit' }, 'swapped digits');
});

t.test('format → parse round trip, with any separators', async (t) => {
  const separatorArb = fc.constantFrom('', ' ', '-', ' - ', '  ', '－', '　', '\t');
  fc.assert(
    fc.property(ticketNoArb, separatorArb, separatorArb, (no, a, b) => {
      const formatted = formatTicketNo(no);
      const typed = no.slice(0, 8) + a + no.slice(8, 14) + b + no.slice(14);
      const r1 = parseTicketNo(formatted);
      const r2 = parseTicketNo(typed);
      return r1.ok && r1.ticketNo === no && r2.ok && r2.ticketNo === no;
    }),
  );
  t.pass('held for 100 generated numbers');
});

t.test('parseTicketNo never throws, accepts exactly the checked numbers, rejects the rest', async (t) => {
  // Each generated input knows its answer: about one in ten is a real number (the domain's own
  // generator) typed with separators anywhere; the rest are that number with one digit changed,
  // digit runs of the wrong length, or arbitrary strings.
  const SEPARATORS = ['', '', '', ' ', '-', '－', '　', '\t'];
  const typedArb = (no: string) =>
    fc.array(fc.constantFrom(...SEPARATORS), { minLength: no.length + 1, maxLength: no.length + 1 }).map((seps) =>
      seps.map((sep, i) => sep + (no[i] ?? '')).join(''),
    );
  type Case = { input: string; expected: string | null | 'unknown' };
  const validArb: fc.Arbitrary<Case> = ticketNoArb.chain((no) => typedArb(no).map((input) => ({ input, expected: no })));
  const typoArb: fc.Arbitrary<Case> = fc
    .tuple(ticketNoArb, fc.nat({ max: 14 }), fc.integer({ min: 1, max: 9 }))
    .chain(([no, pos, delta]) => typedArb(no.slice(0, pos) + String((Number(no[pos]) + delta) % 10) + no.slice(pos + 1)))
    .map((input) => ({ input, expected: null }));
  const wrongLengthArb: fc.Arbitrary<Case> = fc
    .oneof(fc.stringMatching(/^[0-9]{1,14}$/), fc.stringMatching(/^[0-9]{16,24}$/))
    .chain(typedArb)
    .map((input) => ({ input, expected: null }));
  // Arbitrary strings: what matters is that nothing throws and only 15 checked digits are accepted.
  const anyArb: fc.Arbitrary<Case> = fc.string({ unit: 'binary', maxLength: 80 }).map((input) => ({ input, expected: 'unknown' }));
  const inputArb = fc.oneof({ arbitrary: validArb, weight: 1 }, { arbitrary: typoArb, weight: 3 }, { arbitrary: wrongLengthArb, weight: 3 }, { arbitrary: anyArb, weight: 3 });

  let valid = 0;
  let rejected = 0;
  fc.assert(
    fc.property(inputArb, ({ input, expected }) => {
      const r = parseTicketNo(input);
      if (expected === 'unknown') return r.ok ? /^[0-9]{15}$/.test(r.ticketNo) && dammCheckDigit(r.ticketNo) === 0 : true;
      if (expected === null) {
        rejected++;
        return !r.ok;
      }
      valid++;
      return r.ok && r.ticketNo === expected;
    }),
    { numRuns: 2000 },
  );
  t.ok(valid >= 100, `${valid} valid numbers parsed to themselves`);
  t.ok(rejected >= 600, `${rejected} typos and wrong lengths rejected`);
});
