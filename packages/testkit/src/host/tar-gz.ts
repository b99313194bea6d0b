import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';

/** Every file of a tar.gz archive (e.g. a support bundle), read from a path or held in memory, by its path inside the archive. */
export async function readTarGz(source: string | Uint8Array): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  ex.on('entry', (headers, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      files.set(headers.name, Buffer.concat(chunks));
      next();
    });
    stream.resume();
  });
  await pipeline(typeof source === 'string' ? createReadStream(source) : Readable.from([source]), createGunzip(), ex);
  return files;
}
