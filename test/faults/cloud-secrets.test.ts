import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@verge/platform';
import { startTestCloud } from '@verge/testkit/cloud';
import { tempDir } from '@verge/testkit';

// Issue 7, item 1: the cloud's data directory holds the owner policy key and every device key (cloud.db and its
// WAL), the CA and server private keys and credentials.json. Each must be 0600 in a 0700 directory, also when the
// process umask is the usual 022, and an existing directory left readable by others is narrowed at start (logged once).

const SECRETS = ['cloud.db', 'cloud.db-wal', 'cloud.db-shm', 'ca-key.pem', 'server-key.pem', 'credentials.json'];
const modeOf = (path: string): number => statSync(path).mode & 0o777;
const octal = (mode: number): string => `0${mode.toString(8)}`;

/** A logger whose lines the test reads back. */
function capturedLog(): { log: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const log = createLogger({ service: 'cloud', level: 'info', destination: { write: (line: string) => void raw.push(line) } });
  return { log, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('cloud data directory secrets', () => {
  it('creates the data directory (and missing parents) 0700 and every secret file 0600', async () => {
    const tmp = tempDir('verge-secrets-');
    cleanups.push(tmp.cleanup);
    const dataDir = join(tmp.dir, 'nested', 'cloud');
    const t = await startTestCloud(dataDir);
    cleanups.push(() => t.cloud.stop());
    await t.api.devices.create({ deviceId: 'd1' }); // a device key in the database and its WAL

    expect(octal(modeOf(join(tmp.dir, 'nested')))).toBe('0700');
    expect(octal(modeOf(dataDir))).toBe('0700');
    const present = readdirSync(dataDir);
    for (const name of SECRETS) {
      expect(present, `${name} exists`).toContain(name);
      expect(`${name} ${octal(modeOf(join(dataDir, name)))}`).toBe(`${name} 0600`);
    }
    // Nothing in the directory is readable by others except the public certificates.
    const readableByOthers = present.filter((n) => (modeOf(join(dataDir, n)) & 0o077) !== 0);
    expect(readableByOthers.filter((n) => !['ca.pem', 'server-chain.pem'].includes(n))).toEqual([]);
  });

  it('narrows an existing directory and secret files left readable by others at start, and logs it once', async () => {
    const tmp = tempDir('verge-secrets-');
    cleanups.push(tmp.cleanup);
    const dataDir = join(tmp.dir, 'cloud');
    const first = await startTestCloud(dataDir);
    await first.api.devices.create({ deviceId: 'd1' });
    await first.cloud.stop();
    // What an older Verge left behind: a world-readable database and keys in a 0755 directory.
    chmodSync(dataDir, 0o755);
    for (const name of readdirSync(dataDir)) chmodSync(join(dataDir, name), 0o644);

    const captured = capturedLog();
    const second = await startTestCloud(dataDir, undefined, { log: captured.log });
    cleanups.push(() => second.cloud.stop());
    expect(octal(modeOf(dataDir))).toBe('0700');
    for (const name of readdirSync(dataDir).filter((n) => SECRETS.includes(n))) {
      expect(`${name} ${octal(modeOf(join(dataDir, name)))}`).toBe(`${name} 0600`);
    }
    const narrowed = captured.lines().filter((l) => String(l['msg']).startsWith('narrowed the permissions'));
    expect(narrowed).toHaveLength(1);
    expect(narrowed[0]?.['level']).toBe(40);
    expect(narrowed[0]?.['tightened']).toEqual(expect.arrayContaining([dataDir, join(dataDir, 'cloud.db'), join(dataDir, 'ca-key.pem'), join(dataDir, 'credentials.json')]));
    await second.cloud.stop();

    // Nothing left to narrow: no warning on the next start.
    const again = capturedLog();
    const third = await startTestCloud(dataDir, undefined, { log: again.log });
    cleanups.push(() => third.cloud.stop());
    expect(again.lines().filter((l) => String(l['msg']).startsWith('narrowed the permissions'))).toEqual([]);
    expect((await third.api.devices.get('d1')).deviceId).toBe('d1');
  });
});
