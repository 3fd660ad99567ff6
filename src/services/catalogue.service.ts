// Departments and categories as the rest of the system reads them (cached briefly, on the
// injected clock, in a cache the composition root builds once per process: src/runtime.ts), and
// category suggestion from the classifier built over them.
import { buildClassifier, type Classifier, type Suggestion } from '../domain/classify.js';
import * as repo from '../db/catalogue.repository.js';
import type { Db } from '../db/tx.js';
import type { ServiceDeps } from './deps.js';

const TTL_MS = 10_000;
/** How many recent categorised tickets the classifier learns from (kept in process memory only). */
const LEARNED_EXAMPLES = 3000;

export interface Catalogue {
  at: number;
  departments: Map<string, repo.DepartmentRow>;
  categories: Map<string, repo.CategoryRow>;
  classifier: Classifier;
}

/** One process's catalogue cache and the state of its classifier. */
export interface CatalogueCache {
  current: Catalogue | null;
  /** What the classifier was built from: when this is unchanged, the built classifier is kept. */
  classifierKey: string | null;
  learnedSinceBuild: number;
}

export function createCatalogueCache(): CatalogueCache {
  return { current: null, classifierKey: null, learnedSinceBuild: 0 };
}

type CatalogueDeps = Pick<ServiceDeps, 'db' | 'clock' | 'catalogue'>;

export function invalidateCatalogueCache(deps: Pick<ServiceDeps, 'catalogue'>): void {
  deps.catalogue.current = null;
}

const categoriesKey = (categories: repo.CategoryRow[]): string =>
  JSON.stringify(categories.filter((c) => c.active).map((c) => [c.code, c.name, c.keywords]));

/** The catalogue, read through `db` (a transaction's client, or the pool) when the cache has expired. */
export async function getCatalogue(deps: CatalogueDeps, db: Db = deps.db): Promise<Catalogue> {
  const cache = deps.catalogue;
  const now = deps.clock.now().getTime();
  // A clock moved back (tests) expires the cache too.
  if (cache.current && now >= cache.current.at && now - cache.current.at < TTL_MS) return cache.current;
  const [departments, categories] = await Promise.all([repo.listDepartments(db), repo.listCategories(db)]);
  // Rebuilding the classifier (thousands of learned examples) takes ~100 ms of CPU: only do it
  // when the categories changed; it learns each new choice in place in between (learnCategory).
  const key = categoriesKey(categories);
  let classifier = cache.current?.classifier;
  if (!classifier || key !== cache.classifierKey) {
    const examples = await repo.recentCategorisedContent(db, LEARNED_EXAMPLES);
    classifier = buildClassifier(categories.filter((c) => c.active), examples);
    cache.classifierKey = key;
    cache.learnedSinceBuild = 0;
  }
  cache.current = {
    at: now,
    departments: new Map(departments.map((d) => [d.code, d])),
    categories: new Map(categories.map((c) => [c.code, c])),
    classifier,
  };
  return cache.current;
}

export async function suggestCategories(deps: CatalogueDeps, content: string, limit = 3, db: Db = deps.db): Promise<Suggestion[]> {
  const { classifier } = await getCatalogue(deps, db);
  return classifier.suggest(content, limit);
}

/**
 * A clerk's final choice of category, learned at once by this process (others on their next
 * rebuild). Learning in place grows the classifier, so after as many new examples as a build
 * loads, the next reload rebuilds it from the most recent ones: memory and suggestion time stay
 * bounded in a long-running process.
 */
export function learnCategory(deps: Pick<ServiceDeps, 'catalogue'>, categoryCode: string, content: string): void {
  const cache = deps.catalogue;
  if (!cache.current) return;
  cache.current.classifier.learn({ categoryCode, content });
  if (++cache.learnedSinceBuild >= LEARNED_EXAMPLES) {
    cache.learnedSinceBuild = 0;
    cache.classifierKey = null;
  }
}
