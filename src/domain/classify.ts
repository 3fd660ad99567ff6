// Category suggestion for a demand's free text (SPEC §4, §6): ranks the catalogue's categories for
// a Chinese message so the clerk can confirm or override. Pure and deterministic; the caller loads
// categories and the examples clerks filed, builds one classifier and feeds it confirmed choices.
//
// Three kinds of evidence are added per category:
//   1. phrase hits — a category keyword (heaviest) or a lexicon phrase found verbatim in the text;
//      a hit inside a longer hit of another category does not count (高龄补贴 is not 补贴);
//   2. character uni/bigram overlap with the category's profile (keywords, lexicon, name and
//      learned examples), weighted by how few categories share the n-gram (IDF) and saturated so a
//      category with thousands of examples does not drown the rest — this catches partial words
//      and wording no list anticipated;
//   3. nearest learned examples — bigram Dice similarity to texts clerks filed under the category,
//      so the next message like a confirmed one ranks that category first.
// A category's score is its evidence over (all categories' evidence + a constant): close to 1 when
// one category has strong evidence alone, low when evidence is weak or split.
//
// On messages written after the lexicon was frozen it ranks the clerk's category first about 70 %
// of the time and among the first three about 90 % (test/domain/classify.test.ts prints the
// figures); every confirmed example makes the next similar message land better.
//
// The fallback category `other` is never suggested: "none of the above" is not a pattern to learn,
// and an empty suggestion list already tells the clerk to choose. Inactive categories are left out.

import { CATEGORY_LEXICON, NEUTRAL_PHRASES, STOP_CHARS } from './classify-lexicon.js';

export interface CategoryModel { code: string; name: string; keywords: string[]; active?: boolean }
/** A text a clerk finally filed under a category. */
export interface LearnedExample { categoryCode: string; content: string }
/** `score` in (0,1), best first. */
export interface Suggestion { code: string; score: number }
export interface Classifier {
  suggest(content: string, limit?: number): Suggestion[];
  learn(example: LearnedExample): void;
}

export const FALLBACK_CATEGORY_CODE = 'other';
export const DEFAULT_SUGGESTION_LIMIT = 3;

const W_KEYWORD = 3;
const W_STRONG = 2;
const W_WEAK = 0.8;
const W_NAME = 1;
const W_EXAMPLE = 1;
const UNIGRAM_FACTOR = 0.5; // a shared character is weaker evidence than a shared bigram
const SATURATION = 2; // profile weight w counts as w / (w + SATURATION)
const NGRAM_FACTOR = 0.8;
const KNN_FACTOR = 8;
const KNN_MIN_SIMILARITY = 0.12;
const SCORE_DAMPING = 3; // raw evidence r scores r / (Σr + SCORE_DAMPING): weak evidence stays low
const MIN_RAW = 0.6; // less evidence than this is noise, not a suggestion
const MIN_RELATIVE = 0.08; // drop candidates far behind the best one

const BREAK = '';
const TOKEN_RE = /\p{Script=Han}|[a-z0-9]+/gu;

/** Han characters one by one, Latin/digit runs as one token; BREAK where punctuation or space was. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let end = 0;
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(TOKEN_RE)) {
    if (m.index !== end && tokens.length > 0 && tokens[tokens.length - 1] !== BREAK) tokens.push(BREAK);
    tokens.push(m[0]);
    end = m.index + m[0].length;
  }
  return tokens;
}

function bigramSet(tokens: readonly string[]): Set<string> {
  const grams = new Set<string>();
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (tokens[i] !== BREAK && tokens[i + 1] !== BREAK) grams.add(`${tokens[i]} ${tokens[i + 1]}`);
  }
  // A one-character text still has to compare equal to itself.
  if (grams.size === 0) for (const t of tokens) if (t !== BREAK) grams.add(t);
  return grams;
}

/**
 * Dice coefficient of the two texts' character-bigram sets after normalisation (full-width to
 * half-width, case folded, punctuation ignored): 1 for the same text, 0 when no bigram is shared,
 * symmetric. Also used to spot duplicate demands (SPEC §4).
 */
export function similarity(a: string, b: string): number {
  return diceOfSets(bigramSet(tokenize(a)), bigramSet(tokenize(b)));
}

/** similarity(text, ·) with `text` tokenised once, for scoring one text against many. */
export function similarityTo(text: string): (other: string) => number {
  const mine = bigramSet(tokenize(text));
  return (other) => diceOfSets(mine, bigramSet(tokenize(other)));
}

function diceOfSets(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const g of a) if (b.has(g)) shared++;
  return (2 * shared) / (a.size + b.size);
}

interface Phrase { tokens: string[]; cat: number; weight: number }

/** Index of phrases by first token, for scanning a text once. */
class PhraseIndex {
  private readonly byFirst = new Map<string, Phrase[]>();
  add(tokens: string[], cat: number, weight: number): void {
    if (tokens.length === 0 || tokens.includes(BREAK)) return;
    const list = this.byFirst.get(tokens[0]) ?? [];
    const same = list.find((p) => p.cat === cat && p.tokens.join(' ') === tokens.join(' '));
    if (same) same.weight = Math.max(same.weight, weight);
    else list.push({ tokens, cat, weight });
    this.byFirst.set(tokens[0], list);
  }
  *matches(tokens: readonly string[]): Generator<{ phrase: Phrase; start: number; end: number }> {
    for (let i = 0; i < tokens.length; i++) {
      for (const phrase of this.byFirst.get(tokens[i]) ?? []) {
        const p = phrase.tokens;
        let k = 1;
        while (k < p.length && tokens[i + k] === p[k]) k++;
        if (k === p.length) yield { phrase, start: i, end: i + p.length };
      }
    }
  }
}

const neutralIndex = new PhraseIndex();
for (const p of NEUTRAL_PHRASES) neutralIndex.add(tokenize(p), -1, 0);

/** Tokens covered by a neutral phrase give no n-gram evidence. */
function neutralMask(tokens: readonly string[]): boolean[] {
  const mask = tokens.map(() => false);
  for (const m of neutralIndex.matches(tokens)) for (let i = m.start; i < m.end; i++) mask[i] = true;
  return mask;
}

/** Unigrams (minus stop characters) and bigrams (unless both halves are stop characters). */
function grams(tokens: readonly string[], mask?: readonly boolean[]): Set<string> {
  const out = new Set<string>();
  const usable = (i: number) => tokens[i] !== BREAK && !(mask && mask[i]);
  for (let i = 0; i < tokens.length; i++) {
    if (!usable(i)) continue;
    if (!STOP_CHARS.has(tokens[i])) out.add(tokens[i]);
    if (i + 1 < tokens.length && usable(i + 1) && !(STOP_CHARS.has(tokens[i]) && STOP_CHARS.has(tokens[i + 1]))) {
      out.add(`${tokens[i]} ${tokens[i + 1]}`);
    }
  }
  return out;
}

const phraseLengthFactor = (len: number): number => (len <= 1 ? 0.6 : Math.min(1 + 0.25 * (len - 2), 1.5));

export function buildClassifier(categories: CategoryModel[], examples: LearnedExample[] = []): Classifier {
  const cats = categories.filter((c) => c.active !== false && c.code !== FALLBACK_CATEGORY_CODE);
  const catIndex = new Map(cats.map((c, i) => [c.code, i]));
  const phrases = new PhraseIndex();
  const phraseCats = new Map<string, Set<number>>(); // how many categories share a phrase
  const profile = new Map<string, Map<number, number>>(); // n-gram → category → weight
  const exampleGrams: Set<string>[] = [];
  const exampleCat: number[] = [];
  const postings = new Map<string, number[]>(); // bigram → example ids

  const addToProfile = (gs: Iterable<string>, cat: number, weight: number) => {
    for (const g of gs) {
      const row = profile.get(g) ?? new Map<number, number>();
      row.set(cat, (row.get(cat) ?? 0) + weight);
      profile.set(g, row);
    }
  };
  const addPhrase = (text: string, cat: number, weight: number) => {
    const tokens = tokenize(text);
    if (tokens.length === 0) return;
    phrases.add(tokens, cat, weight);
    const key = tokens.join(' ');
    phraseCats.set(key, (phraseCats.get(key) ?? new Set()).add(cat));
    addToProfile(grams(tokens), cat, weight);
  };

  cats.forEach((c, i) => {
    for (const k of c.keywords) addPhrase(k, i, W_KEYWORD);
    const lexicon = CATEGORY_LEXICON[c.code];
    for (const p of lexicon?.strong ?? []) addPhrase(p, i, W_STRONG);
    for (const p of lexicon?.weak ?? []) addPhrase(p, i, W_WEAK);
    addToProfile(grams(tokenize(c.name)), i, W_NAME);
  });

  const learn = (example: LearnedExample): void => {
    const cat = catIndex.get(example.categoryCode);
    if (cat === undefined) return; // other, inactive or unknown: nothing to learn
    const tokens = tokenize(example.content);
    const bigrams = bigramSet(tokens);
    if (bigrams.size === 0) return;
    addToProfile(grams(tokens, neutralMask(tokens)), cat, W_EXAMPLE);
    const id = exampleGrams.length;
    exampleGrams.push(bigrams);
    exampleCat.push(cat);
    for (const g of bigrams) {
      const list = postings.get(g) ?? [];
      list.push(id);
      postings.set(g, list);
    }
  };
  for (const e of examples) learn(e);

  const suggest = (content: string, limit = DEFAULT_SUGGESTION_LIMIT): Suggestion[] => {
    const tokens = tokenize(content);
    if (tokens.length === 0 || limit <= 0 || cats.length === 0) return [];
    const raw = new Float64Array(cats.length);
    const mask = neutralMask(tokens);

    // 1. Phrase hits, once per phrase, unless inside a longer hit of another category.
    const hits = [...phrases.matches(tokens)].filter((h) => !h.phrase.tokens.every((_, k) => mask[h.start + k]));
    const counted = new Set<Phrase>();
    for (const h of hits) {
      if (counted.has(h.phrase)) continue;
      const covered = hits.some((o) => o.phrase.cat !== h.phrase.cat && o.start <= h.start && o.end >= h.end
        && o.end - o.start > h.end - h.start);
      if (covered) continue;
      counted.add(h.phrase);
      const sharedBy = phraseCats.get(h.phrase.tokens.join(' '))?.size ?? 1;
      raw[h.phrase.cat] += (h.phrase.weight * phraseLengthFactor(h.phrase.tokens.length)) / sharedBy;
    }

    // 2. N-gram overlap with each profile.
    for (const g of grams(tokens, mask)) {
      const row = profile.get(g);
      if (!row) continue;
      const idf = Math.log(1 + cats.length / row.size);
      const kind = g.includes(' ') ? 1 : UNIGRAM_FACTOR;
      for (const [cat, weight] of row) raw[cat] += NGRAM_FACTOR * kind * idf * (weight / (weight + SATURATION));
    }

    // 3. Nearest learned examples: best similarity plus half the second best, per category.
    if (exampleGrams.length > 0) {
      const own = bigramSet(tokens);
      // Shared-bigram counts per example in a typed array (common bigrams have thousands of
      // postings: a Map here was a fifth of a registration's CPU), and the examples touched.
      const shared = new Uint16Array(exampleGrams.length);
      const touched: number[] = [];
      for (const g of own) {
        const list = postings.get(g);
        if (!list) continue;
        for (const id of list) if (shared[id]++ === 0) touched.push(id);
      }
      const best = new Float64Array(cats.length);
      const second = new Float64Array(cats.length);
      for (const id of touched) {
        const n = shared[id];
        const sim = (2 * n) / (own.size + exampleGrams[id].size);
        if (sim < KNN_MIN_SIMILARITY) continue;
        const cat = exampleCat[id];
        if (sim > best[cat]) [best[cat], second[cat]] = [sim, best[cat]];
        else if (sim > second[cat]) second[cat] = sim;
      }
      for (let c = 0; c < cats.length; c++) raw[c] += KNN_FACTOR * (best[c] + 0.5 * second[c]);
    }

    let top = 0;
    let total = 0;
    for (const r of raw) {
      top = Math.max(top, r);
      total += r;
    }
    if (top < MIN_RAW) return [];
    const ranked: number[] = [];
    for (let c = 0; c < cats.length; c++) if (raw[c] >= MIN_RAW && raw[c] >= MIN_RELATIVE * top) ranked.push(c);
    // Ties fall back to code order so the answer never depends on the catalogue's order.
    ranked.sort((a, b) => raw[b] - raw[a] || (cats[a].code < cats[b].code ? -1 : 1));
    return ranked
      .slice(0, limit)
      .map((c) => ({ code: cats[c].code, score: Math.round((raw[c] / (total + SCORE_DAMPING)) * 1e4) / 1e4 }))
      .filter((s) => s.score > 0);
  };

  return { suggest, learn };
}
