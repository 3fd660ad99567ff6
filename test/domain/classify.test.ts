// Category suggestion (SPEC §6): accuracy on a labelled set of resident messages, learning from
// clerks' choices, the similarity measure, and the shape of the answer.

import t from 'tap';
import fc from 'fast-check';
import {
  buildClassifier,
  FALLBACK_CATEGORY_CODE,
  similarity,
  tokenize,
  type CategoryModel,
  type Classifier,
} from '../../src/domain/classify.js';
import { CATEGORY_LEXICON } from '../../src/domain/classify-lexicon.js';
import { LABELLED_MESSAGES, SEED_CATEGORIES, type LabelledMessage } from '../fixtures/classify-labelled.js';

const SEED_CODES = SEED_CATEGORIES.map((c) => c.code).filter((c) => c !== FALLBACK_CATEGORY_CODE);
const keywordsOf = new Map(SEED_CATEGORIES.map((c) => [c.code, c.keywords]));

interface Accuracy { n: number; top1: number; top3: number }

function measure(classifier: Classifier, messages: LabelledMessage[], strict = false): Accuracy {
  let top1 = 0;
  let top3 = 0;
  for (const m of messages) {
    const accepted = new Set([m.category, ...(strict ? [] : m.alsoAcceptable ?? [])]);
    const codes = classifier.suggest(m.content, 3).map((s) => s.code);
    if (codes.length > 0 && accepted.has(codes[0])) top1++;
    if (codes.some((c) => accepted.has(c))) top3++;
  }
  return { n: messages.length, top1: top1 / messages.length, top3: top3 / messages.length };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const describe = (a: Accuracy): string => `n=${a.n} top-1 ${pct(a.top1)}, top-3 ${pct(a.top3)}`;

t.test('the labelled set is what it claims to be', async (t) => {
  const messages = LABELLED_MESSAGES;
  t.ok(messages.length >= 200, `${messages.length} messages`);
  const nonLiteral = messages.filter((m) => !m.literal);
  t.ok(nonLiteral.length * 2 >= messages.length, `${nonLiteral.length} use none of their category's keywords`);
  t.equal(new Set(messages.map((m) => m.content)).size, messages.length, 'no message appears twice');
  for (const code of SEED_CODES) {
    t.ok(messages.filter((m) => m.category === code).length >= 10, `${code} has at least 10 messages`);
  }
  t.notOk(messages.some((m) => m.category === FALLBACK_CATEGORY_CODE), 'nothing is labelled other');
  for (const m of messages) {
    const literal = (keywordsOf.get(m.category) ?? []).some((k) => m.content.includes(k));
    if (literal !== m.literal) t.fail(`literal flag wrong for ${m.content}`);
    for (const alt of m.alsoAcceptable ?? []) {
      if (!SEED_CODES.includes(alt) || alt === m.category) t.fail(`bad alternative ${alt} for ${m.content}`);
    }
  }
  t.ok(messages.some((m) => m.split === 'holdout') && messages.some((m) => m.split === 'dev'), 'both splits present');
});

t.test('the lexicon holds words and phrases, not evaluation messages', async (t) => {
  t.same(Object.keys(CATEGORY_LEXICON).sort(), [...SEED_CODES].sort(), 'one entry per seed category except other');
  const phrases = Object.values(CATEGORY_LEXICON).flatMap((e) => [...e.strong, ...(e.weak ?? [])]);
  const longest = Math.max(...phrases.map((p) => tokenize(p).length));
  t.ok(longest <= 6, `longest phrase has ${longest} characters`);
  let worst = 0;
  for (const m of LABELLED_MESSAGES) {
    const length = tokenize(m.content).filter(Boolean).length;
    for (const p of phrases) if (m.content.includes(p)) worst = Math.max(worst, tokenize(p).length / length);
  }
  t.ok(worst < 0.4, `no phrase covers 40 % of a labelled message (worst ${pct(worst)})`);
});

t.test('accuracy on the labelled set', async (t) => {
  const classifier = buildClassifier(SEED_CATEGORIES);
  const all = LABELLED_MESSAGES;
  const nonLiteral = all.filter((m) => !m.literal);
  const holdout = all.filter((m) => m.split === 'holdout');
  const holdoutNonLiteral = holdout.filter((m) => !m.literal);

  const results = {
    all: measure(classifier, all),
    nonLiteral: measure(classifier, nonLiteral),
    holdout: measure(classifier, holdout),
    holdoutNonLiteral: measure(classifier, holdoutNonLiteral),
  };
  t.comment(`overall            ${describe(results.all)} (primary label only: ${describe(measure(classifier, all, true))})`);
  t.comment(`non-literal        ${describe(results.nonLiteral)}`);
  t.comment(`held out           ${describe(results.holdout)} — written after the lexicon was frozen`);
  t.comment(`held out, non-lit. ${describe(results.holdoutNonLiteral)}`);

  // Thresholds sit a little under what was measured. The dev split was looked at while the lexicon
  // grew, so "overall" is optimistic; the held-out figures are the honest estimate for new text.
  t.ok(results.all.top1 >= 0.9, 'overall top-1 ≥ 90 %');
  t.ok(results.all.top3 >= 0.97, 'overall top-3 ≥ 97 %');
  t.ok(results.nonLiteral.top1 >= 0.88, 'non-literal top-1 ≥ 88 %');
  t.ok(results.nonLiteral.top3 >= 0.96, 'non-literal top-3 ≥ 96 %');
  t.ok(results.holdout.top1 >= 0.65, 'held-out top-1 ≥ 65 %');
  t.ok(results.holdout.top3 >= 0.85, 'held-out top-3 ≥ 85 %');
  t.ok(results.holdoutNonLiteral.top1 >= 0.62, 'held-out non-literal top-1 ≥ 62 %');
});

t.test('the examples of the brief rank the right category first', async (t) => {
  const classifier = buildClassifier(SEED_CATEGORIES);
  const cases: [string, string[]][] = [
    ['路上有个大窟窿', ['road']],
    ['家里没水喝了', ['drinking_water']],
    ['隔壁天天半夜吵', ['pollution', 'dispute']],
    ['厂里三个月没发钱', ['wages']],
    ['黑灯瞎火的路口', ['road']],
    ['老人一个人住没人管', ['elderly']],
    ['田里放不进水', ['irrigation']],
  ];
  for (const [content, accepted] of cases) {
    const top = classifier.suggest(content)[0]?.code;
    t.ok(top !== undefined && accepted.includes(top), `${content} → ${top}`);
  }
});

t.test('learning', async (t) => {
  t.test('a confirmed example pulls the next similar message to its category', async (t) => {
    const classifier = buildClassifier(SEED_CATEGORIES);
    const message = '后山那个老矿洞一直没封口';
    t.not(classifier.suggest(message)[0]?.code, 'safety', 'misranked before learning');
    classifier.learn({ categoryCode: 'safety', content: '矿洞口没封，小孩钻进去玩很危险' });
    t.equal(classifier.suggest(message)[0]?.code, 'safety', 'ranked first after learning');
  });

  t.test('examples given at build time count like learned ones', async (t) => {
    const example = { categoryCode: 'safety', content: '矿洞口没封，小孩钻进去玩很危险' };
    const a = buildClassifier(SEED_CATEGORIES, [example]);
    const b = buildClassifier(SEED_CATEGORIES);
    b.learn(example);
    t.same(a.suggest('后山那个老矿洞一直没封口'), b.suggest('后山那个老矿洞一直没封口'));
  });

  t.test('a category an admin adds later works from keywords, then from examples', async (t) => {
    const culture: CategoryModel = { code: 'culture', name: '文化体育', keywords: ['文化广场', '健身器材', '农家书屋'] };
    const classifier = buildClassifier([...SEED_CATEGORIES, culture]);
    t.equal(classifier.suggest('文化广场的健身器材坏了好久')[0]?.code, 'culture', 'keywords alone');
    const message = '村里篮球场的篮板掉了，晚上打球的人差点被砸到';
    t.not(classifier.suggest(message)[0]?.code, 'culture', 'unknown wording misranked before learning');
    classifier.learn({ categoryCode: 'culture', content: '篮球场的篮板坏了，打球的人没法打' });
    t.equal(classifier.suggest(message)[0]?.code, 'culture', 'ranked first after one confirmed example');
  });

  t.test('learning the dev split improves the held-out figures', async (t) => {
    const dev = LABELLED_MESSAGES.filter((m) => m.split === 'dev');
    const holdout = LABELLED_MESSAGES.filter((m) => m.split === 'holdout');
    const before = measure(buildClassifier(SEED_CATEGORIES), holdout);
    const learned = buildClassifier(SEED_CATEGORIES, dev.map((m) => ({ categoryCode: m.category, content: m.content })));
    const after = measure(learned, holdout);
    t.comment(`held out after learning ${dev.length} filed messages: ${describe(after)} (before: ${describe(before)})`);
    t.ok(after.top1 >= before.top1 && after.top3 >= before.top3, 'no worse on either measure');
    t.ok(after.top1 > before.top1, 'better top-1');
    const self = measure(learned, dev);
    t.ok(self.top1 >= 0.99, `a learned message is suggested back (${pct(self.top1)})`);
  });

  t.test('examples for other, inactive or unknown categories are ignored', async (t) => {
    const categories = SEED_CATEGORIES.map((c) => (c.code === 'market' ? { ...c, active: false } : c));
    const classifier = buildClassifier(categories);
    const message = '后山那个老矿洞一直没封口';
    const before = classifier.suggest(message, 5);
    classifier.learn({ categoryCode: FALLBACK_CATEGORY_CODE, content: message });
    classifier.learn({ categoryCode: 'market', content: message });
    classifier.learn({ categoryCode: 'no_such_code', content: message });
    classifier.learn({ categoryCode: 'safety', content: '  ，。 ' });
    t.same(classifier.suggest(message, 5), before);
  });
});

t.test('suggestions', async (t) => {
  const classifier = buildClassifier(SEED_CATEGORIES);

  t.test('sorted, in (0,1], unique, never other, at most limit', async (t) => {
    for (const m of LABELLED_MESSAGES) {
      const s = classifier.suggest(m.content, 5);
      const ok = s.length <= 5
        && s.every((x) => x.score > 0 && x.score <= 1 && x.code !== FALLBACK_CATEGORY_CODE)
        && s.every((x, i) => i === 0 || s[i - 1].score >= x.score)
        && new Set(s.map((x) => x.code)).size === s.length;
      if (!ok) t.fail(`bad suggestions for ${m.content}: ${JSON.stringify(s)}`);
    }
    t.equal(classifier.suggest(LABELLED_MESSAGES[0].content).length <= 3, true, 'default limit is 3');
    t.same(classifier.suggest(LABELLED_MESSAGES[0].content, 0), []);
    t.equal(classifier.suggest('路灯坏了，路上还有个坑，桥也裂了', 1).length, 1);
  });

  t.test('empty, whitespace, punctuation and unrelated text give nothing', async (t) => {
    for (const content of ['', '   ', '\n\t ', '，。！？……', '你好', '谢谢', 'hello']) {
      t.same(classifier.suggest(content), [], JSON.stringify(content));
    }
  });

  t.test('inactive categories and other are never suggested', async (t) => {
    const categories = SEED_CATEGORIES.map((c) => (c.code === 'road' ? { ...c, active: false } : c));
    const withoutRoad = buildClassifier(categories);
    t.notOk(withoutRoad.suggest('路面塌陷了一个大坑，路灯也不亮', 5).some((s) => s.code === 'road'));
    const withOtherKeywords = buildClassifier(
      SEED_CATEGORIES.map((c) => (c.code === FALLBACK_CATEGORY_CODE ? { ...c, keywords: ['其他'] } : c)),
    );
    t.same(withOtherKeywords.suggest('其他'), []);
  });

  t.test('deterministic and independent of catalogue order', async (t) => {
    const reversed = buildClassifier([...SEED_CATEGORIES].reverse());
    for (const m of LABELLED_MESSAGES) {
      const a = classifier.suggest(m.content, 5);
      if (JSON.stringify(a) !== JSON.stringify(classifier.suggest(m.content, 5))) t.fail(`unstable: ${m.content}`);
      if (JSON.stringify(a) !== JSON.stringify(reversed.suggest(m.content, 5))) t.fail(`order-dependent: ${m.content}`);
    }
    t.pass('same answers');
  });

  t.test('fast: well under 1 ms per message', async (t) => {
    for (const m of LABELLED_MESSAGES) classifier.suggest(m.content);
    const rounds = 5;
    const start = performance.now();
    for (let r = 0; r < rounds; r++) for (const m of LABELLED_MESSAGES) classifier.suggest(m.content);
    const perMessage = (performance.now() - start) / (rounds * LABELLED_MESSAGES.length);
    t.comment(`${(perMessage * 1000).toFixed(0)} µs per message`);
    t.ok(perMessage < 1, 'under 1 ms');
  });
});

t.test('similarity', async (t) => {
  const a = '村口的路灯坏了一个多月了';
  t.equal(similarity(a, a), 1, 'identical texts');
  t.equal(similarity(a, '村口的路灯坏了一个多月了！'), 1, 'punctuation is ignored');
  t.equal(similarity('ＡＢＣ１２３水管', 'abc123水管'), 1, 'full-width and case are folded');
  t.equal(similarity(a, '孩子上学没有校车'), 0, 'no shared bigram');
  t.equal(similarity('', ''), 0, 'empty texts share nothing');
  t.equal(similarity('水', '水'), 1, 'a one-character text equals itself');
  const near = similarity('东山村3组停水三天了', '东山村三组停水已经三天了');
  const far = similarity('东山村3组停水三天了', '东山村3组的路灯不亮');
  t.ok(near > 0.5 && near > far, `a reworded duplicate (${near.toFixed(2)}) is closer than another matter (${far.toFixed(2)})`);

  const han = fc.string({ unit: fc.constantFrom(...'路水电村口坏了停三天的，。 '), maxLength: 20 });
  fc.assert(fc.property(han, han, (x, y) => {
    const s = similarity(x, y);
    return s >= 0 && s <= 1 && s === similarity(y, x);
  }));
  fc.assert(fc.property(han, (x) => similarity(x, x) === (tokenize(x).some(Boolean) ? 1 : 0)));
  t.pass('symmetric and in [0,1] on generated texts');
});
