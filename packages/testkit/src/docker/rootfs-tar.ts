import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack, type Pack } from 'tar-stream';
import type { RootfsEntry, RootfsPlan } from './rootfs-plan.js';

// Fixed timestamps keep the tar, and so the imported layer, identical for identical inputs.
const EPOCH = new Date(0);

/**
 * A content hash over everything that ends up in the image: each entry's path, mode and bytes, the image
 * environment, and `salt` (the builder's own version, so a change to the builder invalidates cached images).
 */
export async function hashRootfs(plan: RootfsPlan, salt: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`salt ${salt}\n`);
  for (const line of plan.env) hash.update(`env ${line}\n`);
  for (const entry of plan.entries) hash.update(`${await describeEntry(entry)}\n`);
  return hash.digest('hex');
}

async function describeEntry(entry: RootfsEntry): Promise<string> {
  switch (entry.kind) {
    case 'directory':
      return `dir ${entry.path} ${entry.mode.toString(8)}`;
    case 'content':
      return `content ${entry.path} ${entry.mode.toString(8)} ${sha256(entry.content)}`;
    case 'hostFile': {
      const info = await stat(entry.hostPath);
      return `file ${entry.path} ${(info.mode & 0o7777).toString(8)} ${info.size} ${await sha256File(entry.hostPath)}`;
    }
    default:
      return assertNever(entry);
  }
}

/**
 * Streams the plan as a POSIX tar with paths relative to `/`, owned by root. Entries are written one at a time
 * (tar-stream allows one open entry); a read error destroys the stream, which fails the upload reading it.
 */
export function packRootfs(plan: RootfsPlan): Readable {
  const tar = pack();
  void writeEntries(tar, plan.entries).then(
    () => tar.finalize(),
    (error: unknown) => tar.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return tar;
}

async function writeEntries(tar: Pack, entries: readonly RootfsEntry[]): Promise<void> {
  for (const entry of entries) await writeEntry(tar, entry);
}

async function writeEntry(tar: Pack, entry: RootfsEntry): Promise<void> {
  const name = entry.path.replace(/^\/+/, '');
  switch (entry.kind) {
    case 'directory':
      return addBuffered(tar, { name: `${name}/`, type: 'directory', mode: entry.mode }, '');
    case 'content':
      return addBuffered(tar, { name, type: 'file', mode: entry.mode }, entry.content);
    case 'hostFile': {
      // stat follows symlinks: the image gets the library's bytes at the path the loader asks for.
      const info = await stat(entry.hostPath);
      const body = tar.entry({ name, type: 'file', mode: info.mode & 0o7777, size: info.size, mtime: EPOCH, uid: 0, gid: 0 });
      await pipeline(createReadStream(entry.hostPath), body);
      return;
    }
    default:
      return assertNever(entry);
  }
}

function addBuffered(tar: Pack, header: { name: string; type: 'file' | 'directory'; mode: number }, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null): void => (error ? reject(error) : resolve());
    if (header.type === 'directory') tar.entry({ ...header, mtime: EPOCH, uid: 0, gid: 0 }, done);
    else tar.entry({ ...header, mtime: EPOCH, uid: 0, gid: 0 }, body, done);
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function assertNever(value: never): never {
  throw new Error(`unexpected rootfs entry ${JSON.stringify(value)}`);
}
