import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from '@verge/api-client';

function parseAll(chunks: readonly string[]): { events: SseEvent[]; retryMs: number | undefined; lastEventId: string | undefined } {
  const parser = createSseParser();
  const events = chunks.flatMap((c) => parser.push(c));
  return { events, retryMs: parser.retryMs, lastEventId: parser.lastEventId };
}

// Cases follow the interpretation rules of WHATWG HTML §9.2.6 (event stream interpretation), including its examples.
describe('createSseParser', () => {
  it.each<[string, string[], SseEvent[]]>([
    ['one event', ['data: hello\n\n'], [{ event: 'message', data: 'hello', id: undefined }]],
    ['multi-line data joined with LF (spec example "YHOO")', ['data: YHOO\ndata: +2\ndata: 10\n\n'], [{ event: 'message', data: 'YHOO\n+2\n10', id: undefined }]],
    ['comments ignored, id persists', [': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n'], [
      { event: 'message', data: 'first event', id: '1' },
      { event: 'message', data: 'second event', id: '' },
      { event: 'message', data: ' third event', id: '' },
    ]],
    ['empty data lines (spec example)', ['data\n\ndata\ndata\n\ndata:\n'], [
      { event: 'message', data: '', id: undefined },
      { event: 'message', data: '\n', id: undefined },
    ]],
    ['named event type, reset after dispatch', ['event: telemetry\ndata: {"a":1}\nid: 7\n\ndata: x\n\n'], [
      { event: 'telemetry', data: '{"a":1}', id: '7' },
      { event: 'message', data: 'x', id: '7' },
    ]],
    ['CRLF and CR line endings', ['data: a\r\n\r\ndata: b\r\rdata: c\n\n'], [
      { event: 'message', data: 'a', id: undefined },
      { event: 'message', data: 'b', id: undefined },
      { event: 'message', data: 'c', id: undefined },
    ]],
    ['chunks split anywhere, including between CR and LF', ['da', 'ta: he', 'llo\r', '\n', '\r', '\nid: 4', '2\n\n'], [{ event: 'message', data: 'hello', id: undefined }]],
    ['an event without data is not dispatched', ['event: ping\n\nid: 9\n\n'], []],
    ['an unterminated event is not dispatched', ['data: partial\n'], []],
    ['id with NUL is ignored', ['id: a\0b\ndata: x\n\n'], [{ event: 'message', data: 'x', id: undefined }]],
    ['unknown fields ignored; only one space after the colon is stripped', ['foo: bar\ndata:   two\n\n'], [{ event: 'message', data: '  two', id: undefined }]],
  ])('%s', (_name, chunks, expected) => {
    expect(parseAll(chunks).events).toEqual(expected);
  });

  it.each<[string, number | undefined]>([
    ['retry: 2500\n', 2500],
    ['retry: 25a\n', undefined],
    ['retry:\n', undefined],
  ])('retry field %j', (line, retryMs) => {
    expect(parseAll([line]).retryMs).toBe(retryMs);
  });

  it('keeps the last event id across events', () => {
    expect(parseAll(['id: 3\ndata: a\n\nid: 4\n\n']).lastEventId).toBe('4');
  });
});
