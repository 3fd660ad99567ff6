// The app as real processes (npm start, node dist/src/main.js, the CLI): the build they run and the
// JSON log lines they write, for the process tests in test/ops/.
import { spawnSync, type ChildProcess } from 'node:child_process';

/** Builds dist/ unless current (in CI `npm run build` ran first: then it is a hash check). */
export function buildDist(): void {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-needed'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
}

/** One pino line (or, with keepPlain, a plain text line as `{ level: 0, msg }`). */
export interface LogLine {
  level: number;
  msg: string;
  pid?: number;
  [k: string]: unknown;
}

/** Collects a child's stdout as log lines and its stderr as text, and tells when it exits. */
export function readLogLines(child: ChildProcess, opts: { keepPlain?: boolean } = {}) {
  const lines: LogLine[] = [];
  let stderr = '';
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (text.startsWith('{')) lines.push(JSON.parse(text) as LogLine);
      else if (opts.keepPlain !== false) lines.push({ level: 0, msg: text });
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { lines, stderr: () => stderr, exited };
}
