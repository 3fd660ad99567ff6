// The backend switch (SPEC §11): BullMQ on Redis when REDIS_URL is set, BullMQ's PostgreSQL
// backend otherwise. Callers see one small interface: add a job, run a processor, close.
import { Queue, Worker, UnrecoverableError, withBackend, createPostgresBackend, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { QueueName } from './names.js';

export interface QueueKitOptions {
  redisUrl?: string;
  databaseUrl: string;
  /** Namespaces every key (Redis) or the schema (PostgreSQL); tests use one per file. */
  prefix?: string;
  /** Job lease; a killed worker's job becomes available again after about this long. */
  lockDurationMs?: number;
  /** Connection errors of the queues and workers (Redis or Postgres away); they reconnect by themselves. */
  onError?: (err: Error) => void;
}

export interface JobContext {
  id: string;
  attemptsMade: number;
  log: (msg: string) => Promise<unknown> | unknown;
}

export type Processor = (payload: unknown, job: JobContext) => Promise<void>;

export interface QueueKit {
  backend: 'redis' | 'postgres';
  add(queue: QueueName, jobId: string, payload: object, delayMs?: number): Promise<void>;
  work(queue: QueueName, processor: Processor, concurrency?: number): void;
  /** A repeating job on a cron pattern in Asia/Shanghai (an idempotent upsert: any worker may call it). */
  cron(queue: QueueName, schedulerId: string, pattern: string): Promise<void>;
  /** For the admin dashboard and tests. */
  queue(name: QueueName): Queue;
  close(): Promise<void>;
}

const JOB_DEFAULTS = {
  // Retried "until delivered": exponential backoff from 1 s, the last attempts days apart.
  attempts: 20,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

export { UnrecoverableError };

/** The PostgreSQL backend's schema for a queue prefix: `bullmq` for the default `hy`, else `bullmq_<prefix>`. */
export function queueSchemaName(prefix: string): string {
  return prefix === 'hy' ? 'bullmq' : `bullmq_${prefix}`;
}

export function createQueueKit(opts: QueueKitOptions): QueueKit {
  // Both constructors are typed for their own connection kind; the union below is what we use.
  let makeQueue: (name: string) => Queue;
  let makeWorker: (name: string, fn: (job: Job) => Promise<void>, concurrency: number) => Worker;
  let backend: QueueKit['backend'];
  const closers: (() => Promise<unknown>)[] = [];

  const lockDuration = opts.lockDurationMs ?? 30_000;
  const lease = { lockDuration, stalledInterval: Math.max(500, Math.round(lockDuration / 2)) };

  if (opts.redisUrl) {
    backend = 'redis';
    // Two connections, as BullMQ advises: producers fail fast while Redis is away (the relay keeps
    // the outbox row and tries again; nothing waits in a client-side queue), workers wait and
    // reconnect by themselves (maxRetriesPerRequest: null). Errors are logged by the caller's
    // listeners, throttled; without a listener ioredis would print raw lines.
    const retryStrategy = (times: number) => Math.min(times * 200, 2000);
    const producer = new Redis(opts.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy });
    const consumer = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, retryStrategy });
    for (const c of [producer, consumer]) {
      c.on('error', (err) => opts.onError?.(err));
      closers.push(() => c.quit().catch(() => c.disconnect()));
    }
    const prefix = opts.prefix ?? 'hy';
    makeQueue = (name) => new Queue(name, { connection: producer, prefix, defaultJobOptions: JOB_DEFAULTS });
    makeWorker = (name, fn, concurrency) => new Worker(name, fn, { connection: consumer, prefix, concurrency, ...lease });
  } else {
    backend = 'postgres';
    const pg = withBackend(createPostgresBackend);
    // `migrate: false`: the schema is the owner's to create (prepareQueueSchema, src/db/queue-schema.ts);
    // the application role may not, so the queues only check its version.
    const connection = { connectionString: opts.databaseUrl, migrate: false, schema: queueSchemaName(opts.prefix ?? 'hy') };
    makeQueue = (name) => new pg.Queue(name, { connection, defaultJobOptions: JOB_DEFAULTS }) as unknown as Queue;
    makeWorker = (name, fn, concurrency) => new pg.Worker(name, fn, { connection, concurrency, ...lease }) as unknown as Worker;
  }

  const queues = new Map<QueueName, Queue>();
  const workers: Worker[] = [];
  const queueOf = (name: QueueName): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = makeQueue(name);
      q.on('error', (err) => opts.onError?.(err));
      queues.set(name, q);
    }
    return q;
  };

  return {
    backend,
    async add(name, jobId, payload, delayMs = 0) {
      await queueOf(name).add(name, payload, { jobId, delay: Math.max(0, Math.round(delayMs)) });
    },
    work(name, processor, concurrency = 4) {
      const w = makeWorker(
        name,
        async (job) => processor(job.data, { id: String(job.id), attemptsMade: job.attemptsMade, log: (m) => job.log(m) }),
        concurrency,
      );
      w.on('error', (err) => opts.onError?.(err));
      workers.push(w);
    },
    async cron(name, schedulerId, pattern) {
      await queueOf(name).upsertJobScheduler(schedulerId, { pattern, tz: 'Asia/Shanghai' }, { name, data: {} });
    },
    queue: (name) => queueOf(name),
    async close() {
      // Workers first: close() waits for running jobs to finish.
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      for (const c of closers) await c();
    },
  };
}

