// A throwaway Redis server on a free port (never the machine's 6379): start, stop as an operator
// would (SHUTDOWN NOSAVE), start again on the same port, FLUSHALL. No persistence: a restart comes
// back empty, like a flushed or replaced cache node.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { Redis } from 'ioredis';
import { killGroup, onCleanup } from './cleanup.js';
import { freePort, until } from './util.js';

export interface RedisServer {
  port: number;
  url: string;
  running(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  flushAll(): Promise<void>;
  version: string;
}

/** One short-lived connection that gives up at once instead of queueing (the harness must not hang). */
async function command<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null, enableOfflineQueue: false });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

export async function startRedis(logFile: string): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let exited = Promise.resolve();
  let version = '';

  const start = async () => {
    const fd = openSync(logFile, 'a');
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    const c = child;
    exited = new Promise((r) => c.once('exit', () => r()));
    c.once('exit', () => {
      if (child === c) child = null;
    });
    const up = await until(() => command(port, (r) => r.ping()).then((p) => p === 'PONG'), 15_000, 100);
    if (!up) throw new Error(`redis-server did not answer PING on port ${port} within 15 s (see ${logFile})`);
    if (!version) version = await command(port, (r) => r.info('server')).then((i) => /redis_version:(\S+)/.exec(i)?.[1] ?? '?');
  };
  onCleanup('redis-server', () => {
    if (child?.pid) killGroup(child.pid);
  });
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get version() {
      return version;
    },
    running: () => child !== null,
    start,
    async stop() {
      if (!child) return;
      const pid = child.pid!;
      await command(port, (r) => r.call('SHUTDOWN', 'NOSAVE')).catch(() => undefined);
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      if (!gone) {
        killGroup(pid);
        await exited;
      }
    },
    async flushAll() {
      await command(port, (r) => r.flushall());
    },
  };
}
