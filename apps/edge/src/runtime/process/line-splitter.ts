import { StringDecoder } from 'node:string_decoder';

// A line longer than this is cut, so a program that never writes a newline cannot grow the runtime's memory.
const MAX_LINE_CHARS = 64 * 1024;

/** Splits a byte stream into lines (UTF-8 safe across chunks; `\r\n` and `\n` both end a line). */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  /** Feeds a chunk; returns the lines it completed. */
  push(chunk: Buffer): string[] {
    const text = this.partial + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const out = lines.map((line) => line.replace(/\r$/, ''));
    while (this.partial.length >= MAX_LINE_CHARS) {
      out.push(this.partial.slice(0, MAX_LINE_CHARS));
      this.partial = this.partial.slice(MAX_LINE_CHARS);
    }
    return out;
  }

  /** The unterminated rest, if any. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest === '' ? [] : [rest];
  }
}
