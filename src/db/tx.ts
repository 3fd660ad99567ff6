// The one transaction helper used by the API and the workers.
import type { Pool, PoolClient } from 'pg';

export type Db = Pool | PoolClient;

/** Runs fn inside BEGIN/COMMIT on one client; rolls back on any throw and rethrows. */
export async function withTx<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A client whose ROLLBACK fails lost its connection: destroy it rather than pool it again.
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
