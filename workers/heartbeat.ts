// The worker's liveness signal for a container health probe: after each successful outbox relay
// pass (it reads PostgreSQL and, with rows to move, reaches the queue) the worker touches
// HEARTBEAT_FILE, at most every few seconds; `node dist/src/healthcheck.js --role worker` reads its
// age. A worker that is stuck, or cannot reach PostgreSQL, stops touching it and turns unhealthy.
import { rmSync, writeFileSync } from 'node:fs';

export interface Heartbeat {
  /** Called after every successful pass; writes at most once per `everyMs`. */
  beat(): void;
  /** Removes the file: a stopped worker is not healthy. */
  stop(): void;
}

export const HEARTBEAT_EVERY_MS = 5_000;

export function startHeartbeat(file: string, everyMs = HEARTBEAT_EVERY_MS): Heartbeat {
  let last = 0;
  return {
    beat() {
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      try {
        writeFileSync(file, `${new Date(now).toISOString()}\n`);
      } catch {
        // An unwritable file shows as an unhealthy worker, which is what the probe should say.
      }
    },
    stop() {
      rmSync(file, { force: true });
    },
  };
}
