import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` in one transaction on one pooled client: BEGIN, `fn`, COMMIT; ROLLBACK and rethrow when any of them
 * fails (a ROLLBACK with no transaction open is only a warning). A client whose ROLLBACK fails too (its connection
 * is gone) is destroyed, never returned to the pool. `begin` replaces the plain BEGIN (e.g. to take an advisory
 * lock in the same round trip).
 */
export async function inPgTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw e;
  } finally {
    client.release(broken);
  }
}
