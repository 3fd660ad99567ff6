// Teardown of everything the harness starts. Each resource registers a synchronous undo here (kill
// a process group, stop the throwaway cluster, remove a temp dir); `cleanupAll` runs them newest
// first, once, from the normal end, a failure, Ctrl-C, SIGTERM, an uncaught error or the process's
// own exit. Synchronous on purpose: it must also work inside process.on('exit').
type Task = { name: string; fn: () => void; done: boolean };

const tasks: Task[] = [];
let installed = false;

/** Registers an undo; the returned function runs it now (and only once). */
export function onCleanup(name: string, fn: () => void): () => void {
  const task: Task = { name, fn, done: false };
  tasks.push(task);
  return () => runTask(task);
}

function runTask(task: Task): void {
  if (task.done) return;
  task.done = true;
  try {
    task.fn();
  } catch (err) {
    console.error(`[chaos] cleanup of ${task.name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function cleanupAll(): void {
  for (let i = tasks.length - 1; i >= 0; i--) runTask(tasks[i]);
}

/** Kills a whole process group (the child was spawned detached, so its pid is the group id). */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Ctrl-C, SIGTERM, SIGHUP, uncaught errors and a watchdog all end in cleanupAll and a non-zero exit. */
export function installTeardown(watchdogMs: number): void {
  if (installed) return;
  installed = true;
  const bail = (why: string, code: number) => {
    console.error(`\n[chaos] ${why}: stopping everything the harness started`);
    cleanupAll();
    process.exit(code);
  };
  process.on('SIGINT', () => bail('interrupted (SIGINT)', 130));
  process.on('SIGTERM', () => bail('terminated (SIGTERM)', 143));
  process.on('SIGHUP', () => bail('hang-up (SIGHUP)', 129));
  process.on('uncaughtException', (err) => bail(`uncaught error: ${err.stack ?? err.message}`, 1));
  process.on('unhandledRejection', (err) => bail(`unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, 1));
  process.on('exit', () => cleanupAll());
  const watchdog = setTimeout(() => bail(`watchdog: the run exceeded ${Math.round(watchdogMs / 1000)} s`, 1), watchdogMs);
  watchdog.unref();
}
