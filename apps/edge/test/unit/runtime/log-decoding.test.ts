import { describe, expect, it } from 'vitest';
import { DockerLogDecoder } from '../../../src/runtime/docker/log-decoder.js';
import { LineSplitter } from '../../../src/runtime/process/line-splitter.js';

function frame(stream: 1 | 2, text: string | Buffer): Buffer {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const T1 = '2030-01-01T00:00:00.123456789Z';
const T2 = '2030-01-01T00:00:01.5Z';

describe('DockerLogDecoder', () => {
  it('splits multiplexed frames into lines with their stream and timestamp', () => {
    const decoder = new DockerLogDecoder(true, () => 0);
    const lines = decoder.push(Buffer.concat([frame(1, `${T1} hello\n`), frame(2, `${T2} oops\r\n`)]));
    expect(lines).toEqual([
      { stream: 'stdout', atMs: Date.parse(T1), text: 'hello' },
      { stream: 'stderr', atMs: Date.parse(T2), text: 'oops' },
    ]);
  });

  it('reassembles frames cut at any byte, and UTF-8 characters cut between frames', () => {
    const euro = Buffer.from(`${T1} 5 €\n`);
    const cut = euro.length - 3; // inside the 3-byte €
    const stream = Buffer.concat([frame(1, euro.subarray(0, cut)), frame(1, euro.subarray(cut)), frame(2, `${T2} b\n`)]);
    for (let split = 0; split <= stream.length; split++) {
      const decoder = new DockerLogDecoder(true, () => 0);
      const lines = [...decoder.push(stream.subarray(0, split)), ...decoder.push(stream.subarray(split)), ...decoder.end()];
      expect(lines.map((l) => l.text)).toEqual(['5 €', 'b']);
    }
  });

  it('joins a long line the engine stored as partial messages, each frame behind its own timestamp, into one line', () => {
    // The engine's logging drivers cut a line longer than 16 KiB into partial messages; `timestamps=1` stamps each.
    const decoder = new DockerLogDecoder(true, () => 0);
    const first = 'a'.repeat(16 * 1024);
    const lines = [...decoder.push(Buffer.concat([frame(1, `${T1} ${first}`), frame(1, `${T2} {"end":true}\n`), frame(1, `${T2} next\n`)])), ...decoder.end()];
    expect(lines).toEqual([
      { stream: 'stdout', atMs: Date.parse(T1), text: `${first}{"end":true}` },
      { stream: 'stdout', atMs: Date.parse(T2), text: 'next' },
    ]);
  });

  it('reads the raw stream of a TTY container as stdout', () => {
    const decoder = new DockerLogDecoder(false, () => 0);
    expect([...decoder.push(Buffer.from(`${T1} a\n${T2} b`)), ...decoder.end()]).toEqual([
      { stream: 'stdout', atMs: Date.parse(T1), text: 'a' },
      { stream: 'stdout', atMs: Date.parse(T2), text: 'b' },
    ]);
  });

  it('keeps a line without a timestamp, stamped with the time it was read', () => {
    const decoder = new DockerLogDecoder(true, () => 42);
    expect(decoder.push(frame(1, 'no time\n'))).toEqual([{ stream: 'stdout', atMs: 42, text: 'no time' }]);
  });

  it('cuts a line that never ends at 64 KiB', () => {
    const decoder = new DockerLogDecoder(true, () => 0);
    const lines = decoder.push(frame(1, 'x'.repeat(200 * 1024)));
    expect(lines.length).toBe(3);
    expect(lines.every((l) => l.text.length === 64 * 1024)).toBe(true);
  });
});

describe('LineSplitter', () => {
  it('splits on \\n and \\r\\n, keeps a partial line until end()', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('a\r\nb\nc'))).toEqual(['a', 'b']);
    expect(splitter.push(Buffer.from('d\n'))).toEqual(['cd']);
    expect(splitter.push(Buffer.from('tail'))).toEqual([]);
    expect(splitter.end()).toEqual(['tail']);
    expect(splitter.end()).toEqual([]);
  });

  it('decodes UTF-8 split across chunks', () => {
    const bytes = Buffer.from('größe\n');
    const splitter = new LineSplitter();
    const out = [...bytes].flatMap((b) => splitter.push(Buffer.from([b])));
    expect(out).toEqual(['größe']);
  });

  it('cuts an endless line at 64 Ki characters', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('y'.repeat(140 * 1024))).map((l) => l.length)).toEqual([65_536, 65_536]);
    expect(splitter.end()[0]?.length).toBe(140 * 1024 - 2 * 65_536);
  });
});
