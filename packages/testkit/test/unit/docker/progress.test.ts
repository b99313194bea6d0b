import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { readStreamText, summarizeProgress } from '@verge/testkit/docker';

describe('summarizeProgress', () => {
  test.each([
    { name: 'empty', text: '', errors: [], lastStatus: undefined },
    { name: 'import success', text: '{"status":"sha256:abc"}\r\n', errors: [], lastStatus: 'sha256:abc' },
    {
      name: 'error after progress',
      text: '{"status":"Downloading","progress":"[=>  ]"}\n{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}\n',
      errors: ['unexpected EOF'],
      lastStatus: 'Downloading',
    },
    { name: 'garbage line', text: '{"status":"ok"}\nnot json\n', errors: ['unparseable progress line: not json'], lastStatus: 'ok' },
    { name: 'non-object JSON is ignored', text: '42\n"x"\nnull\n', errors: [], lastStatus: undefined },
  ])('$name', ({ text, errors, lastStatus }) => {
    expect(summarizeProgress(text)).toEqual({ errors, lastStatus });
  });
});

describe('readStreamText', () => {
  test('joins buffer and string chunks, keeping split characters intact', async () => {
    const euro = Buffer.from('€');
    expect(await readStreamText(Readable.from([Buffer.from('a'), euro.subarray(0, 2), euro.subarray(2), 'z']))).toBe('a€z');
  });
});
