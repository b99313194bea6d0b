import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import {
  createTwin,
  diffTwinSection,
  replaceDesired,
  replaceTags,
  twinEtag,
  updateDesired,
  updateReported,
  updateTags,
  type Twin,
} from '@verge/core';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('twin etag', () => {
  it.each([
    [1, 'AAAAAAAAAAE='],
    [2, 'AAAAAAAAAAI='],
    [256, 'AAAAAAAAAQA='],
    [2 ** 32, 'AAAAAQAAAAA='],
  ])('version %i → %s', (version, etag) => {
    expect(twinEtag(version)).toBe(etag);
  });
});

describe('createTwin', () => {
  it('starts at version 1 with $version 1 sections', () => {
    expect(createTwin({ deviceId: 'dev1', moduleId: 'sensor', tags: { site: 'a', gone: null } })).toEqual({
      deviceId: 'dev1',
      moduleId: 'sensor',
      etag: 'AAAAAAAAAAE=',
      version: 1,
      tags: { site: 'a' },
      properties: { desired: { $version: 1 }, reported: { $version: 1 } },
    });
  });

  it('validates its sections', () => {
    expect(isVergeError(errorOf(() => createTwin({ deviceId: 'd', desired: { 'a.b': 1 } })), 'TWIN_KEY_INVALID')).toBe(true);
  });
});

describe('updateDesired / updateReported', () => {
  const twin = deepFreeze(createTwin({ deviceId: 'dev1', desired: { telemetry: { intervalMs: 1000, unit: 'C' }, mode: 'auto' } }));

  it('merges the patch, bumps $version, version and etag, and leaves the input alone', () => {
    const next = updateDesired(twin, { telemetry: { intervalMs: 500, unit: null }, mode: null, $version: 99 });
    expect(next.properties.desired).toEqual({ telemetry: { intervalMs: 500 }, $version: 2 });
    expect(next.version).toBe(2);
    expect(next.etag).toBe('AAAAAAAAAAI=');
    expect(next.properties.reported).toBe(twin.properties.reported);
    expect(twin.properties.desired).toEqual({ telemetry: { intervalMs: 1000, unit: 'C' }, mode: 'auto', $version: 1 });
  });

  it('bumps $version for every update, even one that changes nothing', () => {
    const next = updateReported(updateReported(twin, {}), {});
    expect(next.properties.reported.$version).toBe(3);
    expect(next.version).toBe(3);
  });

  it('drops $metadata, which Verge does not maintain', () => {
    const withMetadata: Twin = { ...twin, properties: { ...twin.properties, reported: { $version: 4, $metadata: { $lastUpdated: 'x' }, a: 1 } } };
    expect(updateReported(withMetadata, { b: 2 }).properties.reported).toEqual({ a: 1, b: 2, $version: 5 });
  });

  it('rejects an invalid patch and changes nothing', () => {
    const error = errorOf(() => updateDesired(twin, { a: { 'b.c': 1 } }));
    expect(isVergeError(error, 'TWIN_KEY_INVALID')).toBe(true);
    expect((error as Error).message).toBe('properties.desired.a: key "b.c" must not contain "."');
    expect(isVergeError(errorOf(() => updateReported(twin, [1])), 'TWIN_PATCH_INVALID')).toBe(true);
  });

  it('rejects a patch whose result exceeds 32 KB', () => {
    let current: Twin = twin;
    for (let i = 0; i < 7; i++) current = updateReported(current, { [`k${i}`]: 'x'.repeat(4096) });
    const error = errorOf(() => updateReported(current, { k7: 'x'.repeat(4096) }));
    expect(isVergeError(error, 'TWIN_TOO_LARGE')).toBe(true);
    expect((error as Error).message).toBe('properties.reported: size 32784 bytes exceeds the limit of 32768 bytes');
  });
});

describe('replaceDesired with diffTwinSection', () => {
  it('replaces the section and yields the patch for the device', () => {
    const twin = createTwin({ deviceId: 'd', desired: { a: 1, b: { c: 2, d: 3 } } });
    const next = replaceDesired(twin, { b: { c: 2, d: 4 }, e: true, f: null });
    expect(next.properties.desired).toEqual({ b: { c: 2, d: 4 }, e: true, $version: 2 });
    expect(diffTwinSection(twin.properties.desired, next.properties.desired)).toEqual({ a: null, b: { d: 4 }, e: true });
  });

  it('validates the new section', () => {
    expect(isVergeError(errorOf(() => replaceDesired(createTwin({ deviceId: 'd' }), { a: 'x'.repeat(5000) })), 'TWIN_VALUE_INVALID')).toBe(true);
  });
});

describe('tags', () => {
  it('merges tags without a $version and bumps the twin version', () => {
    const twin = createTwin({ deviceId: 'd', tags: { site: 'a', floor: 1 } });
    const next = updateTags(twin, { floor: null, owner: { team: 'x' } });
    expect(next.tags).toEqual({ site: 'a', owner: { team: 'x' } });
    expect(next.version).toBe(2);
    expect(replaceTags(next, { only: 1 }).tags).toEqual({ only: 1 });
  });

  it('keeps tags within 8 KB', () => {
    const error = errorOf(() => updateTags(createTwin({ deviceId: 'd' }), { a: 'x'.repeat(4000), b: 'x'.repeat(4000), c: 'x'.repeat(200) }));
    expect((error as Error).message).toBe('tags: size 8203 bytes exceeds the limit of 8192 bytes');
  });
});
