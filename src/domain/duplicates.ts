// Duplicate candidates (SPEC §4): recent tickets of the same phone, or of the same village and
// category, kept when they share the phone or their content is similar enough. One rule for the
// warning while the clerk types (POST /classify) and the answer of a registration.
import { similarityTo } from './classify.js';

/** How far back a ticket counts as a possible duplicate. */
export const DUPLICATE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
/** Bigram similarity from which a same-village, same-category ticket is shown. */
export const DUPLICATE_SIMILARITY = 0.3;

export interface DuplicateInput {
  ticketNo: string;
  content: string;
  complainantPhone: string | null;
  status: string;
  receivedAt: Date;
}

export interface RankedDuplicate<C extends DuplicateInput> {
  candidate: C;
  score: number;
  samePhone: boolean;
}

export function rankDuplicates<C extends DuplicateInput>(content: string, phone: string | null, candidates: C[], limit = 5): RankedDuplicate<C>[] {
  const scoreAgainst = similarityTo(content);
  return candidates
    .map((c) => ({ candidate: c, score: Math.round(scoreAgainst(c.content) * 100) / 100, samePhone: phone !== null && c.complainantPhone === phone }))
    .filter((d) => d.samePhone || d.score >= DUPLICATE_SIMILARITY)
    .sort((a, b) => b.score - a.score || b.candidate.receivedAt.getTime() - a.candidate.receivedAt.getTime())
    .slice(0, limit);
}

/** The first characters of a content, on one line, for a list. */
export function excerpt(content: string, max = 40): string {
  const line = content.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
