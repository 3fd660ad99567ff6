// `npm run build`: compile src/ and workers/ to dist/ with tsc (tsconfig.build.json) and copy what the
// compiled code reads at run time: the eta views and static files next to the compiled HTTP code
// (src/http/pages/index.ts and src/http/notice-pages.ts resolve them from their own location) and
// the SQL migrations (src/db/migrate.ts: ../../migrations from dist/src/db).
//
// `node scripts/build.mjs --if-needed` (run before `npm start`, `npm run migrate`, `npm run cli`)
// builds only when dist/ is missing or was built from other sources: dist/.build-stamp holds a
// hash of every input. Without sources (an image holding only dist/) it trusts dist/.
//
// Plain Node, no dependencies but TypeScript, so it runs before anything is compiled.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const STAMP = '.build-stamp';
const SOURCE_DIRS = ['src', 'workers', 'migrations'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build.mjs'];
/** Run-time files the compiled code reads, copied as they are: [from, to under the output]. */
const ASSETS = [
  ['src/http/views', 'src/http/views'],
  ['src/http/static', 'src/http/static'],
  ['migrations', 'migrations'],
];

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}

/** One hash over the path and content of every input, in a stable order. */
function sourceHash() {
  const files = [
    ...SOURCE_DIRS.flatMap((d) => filesUnder(path.join(root, d))),
    ...SOURCE_FILES.map((f) => path.join(root, f)).filter((f) => fs.existsSync(f)),
  ]
    .map((f) => path.relative(root, f).split(path.sep).join('/'))
    .sort();
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(fs.readFileSync(path.join(root, f))).update('\0');
  return h.digest('hex');
}

function build(hash) {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    console.error(
      'dist/ is missing or older than the sources, and TypeScript is not installed (npm ci --omit=dev?).\n' +
        'Build where the dev dependencies are: npm ci && npm run build',
    );
    process.exit(1);
  }
  // Built beside dist/ and swapped in at the end, so a failed or concurrent build never leaves a
  // half-written dist/ behind.
  const out = path.join(root, `dist.tmp-${process.pid}`);
  fs.rmSync(out, { recursive: true, force: true });
  console.error('building dist/ (tsc -p tsconfig.build.json) …');
  const started = Date.now();
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    fs.rmSync(out, { recursive: true, force: true });
    console.error(`tsc failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  for (const [from, to] of ASSETS) fs.cpSync(path.join(root, from), path.join(out, to), { recursive: true });
  fs.writeFileSync(path.join(out, STAMP), `${hash}\n`);
  const old = path.join(root, `dist.old-${process.pid}`);
  if (fs.existsSync(dist)) fs.renameSync(dist, old);
  fs.renameSync(out, dist);
  fs.rmSync(old, { recursive: true, force: true });
  console.error(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const ifNeeded = process.argv.includes('--if-needed');
const hasSources = fs.existsSync(path.join(root, 'src', 'main.ts'));
if (ifNeeded && !hasSources) {
  if (!fs.existsSync(path.join(dist, 'src', 'main.js'))) {
    console.error('neither the sources (src/) nor a build (dist/) are here');
    process.exit(1);
  }
} else {
  const hash = sourceHash();
  const stamp = path.join(dist, STAMP);
  const current = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : null;
  if (!ifNeeded || current !== hash) build(hash);
}
