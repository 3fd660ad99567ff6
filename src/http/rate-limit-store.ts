// The rate-limit store: counters in Redis (shared by every API replica) while Redis answers, in
// this process's memory while it does not — a Redis outage neither blocks the public routes nor
// lifts the limits. The two stores are @fastify/rate-limit's own.
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

type Callback = (err: Error | null, res?: { current: number; ttl: number }) => void;
interface Store {
  incr(key: string, cb: Callback, timeWindow: number, max: number): void;
  read?(key: string, cb: Callback, timeWindow: number, max: number): void;
  child(routeOptions: unknown): Store;
}
type StoreCtor = new (...args: unknown[]) => Store;

const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreCtor;
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreCtor;

interface GlobalParams {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
}

export function rateLimitStore(redis: Redis | null, nameSpace: string): StoreCtor {
  class FallbackStore implements Store {
    private readonly local: Store;
    private readonly remote: Store | null;
    constructor(params: GlobalParams, children?: { local: Store; remote: Store | null }) {
      this.local = children?.local ?? new LocalStore(params.continueExceeding, params.exponentialBackoff, 5000);
      this.remote = children ? children.remote : redis ? new RedisStore(params.continueExceeding, params.exponentialBackoff, redis, nameSpace) : null;
    }
    private pick(method: 'incr' | 'read', key: string, cb: Callback, timeWindow: number, max: number): void {
      const local = () => {
        const m = this.local[method];
        if (m) m.call(this.local, key, cb, timeWindow, max);
        else cb(null, { current: 0, ttl: 0 });
      };
      if (!this.remote || !redis || redis.status !== 'ready') return local();
      const remote = this.remote[method];
      if (!remote) return local();
      remote.call(this.remote, key, (err, res) => (err ? local() : cb(null, res)), timeWindow, max);
    }
    incr(key: string, cb: Callback, timeWindow: number, max: number): void {
      this.pick('incr', key, cb, timeWindow, max);
    }
    read(key: string, cb: Callback, timeWindow: number, max: number): void {
      this.pick('read', key, cb, timeWindow, max);
    }
    child(routeOptions: unknown): Store {
      return new FallbackStore({}, { local: this.local.child(routeOptions), remote: this.remote?.child(routeOptions) ?? null });
    }
  }
  return FallbackStore as unknown as StoreCtor;
}
