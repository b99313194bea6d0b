import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { patchFrom } from '../../src/commands/twin-update.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verge-twin-patch-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function fileWith(text: string): Promise<string> {
  const path = join(dir, 'patch.json');
  await writeFile(path, text);
  return path;
}

describe('twin update patch sources', () => {
  it.each([
    [{ desired: '{"fan":true}' }, { properties: { desired: { fan: true } } }],
    [{ tags: '{"site":null}' }, { tags: { site: null } }],
    [{ desired: '{}', tags: '{"a":1}' }, { tags: { a: 1 }, properties: { desired: {} } }],
  ])('flags %j', async (flags, patch) => {
    expect(await patchFrom(flags)).toEqual(patch);
  });

  it('a patch document from --file, with its etag', async () => {
    const path = await fileWith('{"tags":{"a":1},"properties":{"desired":{"b":2}},"etag":"AAAA"}');
    expect(await patchFrom({ file: path })).toEqual({ tags: { a: 1 }, properties: { desired: { b: 2 } }, etag: 'AAAA' });
  });

  it.each([
    ['{"deviceId":"x","tags":{}}', 'has field "deviceId"; a twin patch holds only "tags" and "properties.desired"'],
    ['{"properties":{"reported":{}}}', 'has "properties.reported"; only "properties.desired" can be written by the service'],
    ['{"properties":[]}', '"properties" must be an object'],
    ['{"properties":{"desired":3}}', '"properties.desired" must be an object'],
    ['{"tags":"x"}', '"tags" must be an object'],
    ['{}', 'has neither "tags" nor "properties.desired"'],
    ['[]', 'must be a JSON object, got an array'],
    ['{oops', 'is not valid JSON'],
  ])('--file %s is refused', async (text, rule) => {
    const path = await fileWith(text);
    const error = await patchFrom({ file: path }).catch((e: unknown) => e);
    expect(isVergeError(error, 'CLI_ARGUMENT_INVALID')).toBe(true);
    expect((error as Error).message).toContain(`--file ${path} ${rule}`);
  });
});
