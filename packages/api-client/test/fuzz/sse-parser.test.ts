import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError, createSseParser, errorFromResponse, type SseEvent } from '@verge/api-client';
import { fuzzRuns } from '@verge/testkit/fuzz';

function parseChunks(chunks: readonly string[]): SseEvent[] {
  const parser = createSseParser();
  return chunks.flatMap((c) => parser.push(c));
}

/** Splits `text` at the given cut points. */
function split(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of points) {
    out.push(text.slice(from, p));
    from = p;
  }
  out.push(text.slice(from));
  return out;
}

// Structure-aware streams: field lines (known and unknown fields, comments, blank dispatch lines) with any of the
// three line endings, values drawn from text that may itself contain ':' and spaces.
const lineEnding = fc.constantFrom('\n', '\r', '\r\n');
const value = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', '1', 'é', '{', '"', '\0'), maxLength: 8 });
const line = fc.oneof(
  fc.tuple(fc.constantFrom('data', 'event', 'id', 'retry', 'foo', ''), fc.constantFrom(':', ': ', ''), value).map(([f, sep, v]) => `${f}${sep}${v}`),
  value.map((v) => `:${v}`),
  fc.constant(''),
  fc.integer({ min: 0, max: 99999 }).map((n) => `retry: ${n}`),
);
const stream = fc.array(fc.tuple(line, lineEnding).map(([l, e]) => l + e), { maxLength: 20 }).map((lines) => lines.join(''));

describe('SSE parser (fuzz)', () => {
  it('never throws on arbitrary text, in arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme-composite', maxLength: 30 }), { maxLength: 6 }), (chunks) => {
        const events = parseChunks(chunks);
        for (const e of events) expect(typeof e.data).toBe('string');
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });

  it('yields the same events however a well-formed stream is chunked', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        expect(parseChunks(split(text, cuts))).toEqual(parseChunks([text]));
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });
});

describe('errorFromResponse (fuzz)', () => {
  it('always returns an ApiError carrying the status, whatever the body', () => {
    const body = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.json({ maxDepth: 2 }),
      fc.record({ code: fc.oneof(fc.string(), fc.integer()), message: fc.oneof(fc.string(), fc.constant(null)) }).map((o) => JSON.stringify(o)),
      fc.string({ maxLength: 40 }).map((m) => JSON.stringify({ Message: m })),
      fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })).map(([c, m]) => JSON.stringify({ Message: `ErrorCode:${c};${m}` })),
    );
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.string({ maxLength: 12 }), body, (status, statusText, text) => {
        const error = errorFromResponse(status, statusText, text);
        expect(error).toBeInstanceOf(ApiError);
        expect(error.status).toBe(status);
        expect(error.code.length).toBeGreaterThan(0);
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });
});
