// Departments and categories as the rest of the system reads them (cached briefly per process),
// and category suggestion from the classifier built over them.
import { buildClassifier, type Classifier, type Suggestion } from '../domain/classify.js';
import * as repo from '../db/catalogue.repository.js';
import type { Db } from '../db/tx.js';

const TTL_MS = 10_000;
/** How many recent categorised tickets the classifier learns from (kept in process memory only). */
const LEARNED_EXAMPLES = 3000;

export interface Catalogue {
  at: number;
  departments: Map<string, repo.DepartmentRow>;
  categories: Map<string, repo.CategoryRow>;
  classifier: Classifier;
}

let cache: Catalogue | null = null;

export function invalidateCatalogueCache(): void {
  cache = null;
}

/** What the classifier is built from: when this is unchanged, the built classifier is kept. */
const categoriesKey = (categories: repo.CategoryRow[]): string =>
  JSON.stringify(categories.filter((c) => c.active).map((c) => [c.code, c.name, c.keywords]));

let classifierKey: string | null = null;
let learnedSinceBuild = 0;

export async function getCatalogue(db: Db): Promise<Catalogue> {
  if (cache && Date.now() - cache.at < TTL_MS) return cache;
  const [departments, categories] = await Promise.all([repo.listDepartments(db), repo.listCategories(db)]);
  // Rebuilding the classifier (thousands of learned examples) takes ~100 ms of CPU: only do it
  // when the categories changed; it learns each new choice in place in between (learnCategory).
  const key = categoriesKey(categories);
  let classifier = cache?.classifier;
  if (!classifier || key !== classifierKey) {
    const examples = await repo.recentCategorisedContent(db, LEARNED_EXAMPLES);
    classifier = buildClassifier(categories.filter((c) => c.active), examples);
    classifierKey = key;
    learnedSinceBuild = 0;
  }
  cache = {
    at: Date.now(),
    departments: new Map(departments.map((d) => [d.code, d])),
    categories: new Map(categories.map((c) => [c.code, c])),
    classifier,
  };
  return cache;
}

export async function suggestCategories(db: Db, content: string, limit = 3): Promise<Suggestion[]> {
  const { classifier } = await getCatalogue(db);
  return classifier.suggest(content, limit);
}

/**
 * A clerk's final choice of category, learned at once by this process (others on their next
 * rebuild). Learning in place grows the classifier, so after as many new examples as a build
 * loads, the next reload rebuilds it from the most recent ones: memory and suggestion time stay
 * bounded in a long-running process.
 */
export function learnCategory(categoryCode: string, content: string): void {
  if (!cache) return;
  cache.classifier.learn({ categoryCode, content });
  if (++learnedSinceBuild >= LEARNED_EXAMPLES) {
    learnedSinceBuild = 0;
    classifierKey = null;
  }
}
