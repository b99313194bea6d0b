import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@verge/core';
import { DesiredSource } from '../../../src/agent/desired-source.js';
import { FakeClock, settle, silentLog } from '@verge/testkit';
import { FakeTwinClient } from './support/fake-twin.js';

function setup() {
  const clock = new FakeClock();
  const twin = new FakeTwinClient();
  twin.connected = true;
  twin.desired = { a: 1, $version: 4 };
  twin.reported = { r: 1, $version: 9 };
  const seen: JsonObject[] = [];
  const baselines: JsonObject[] = [];
  const source = new DesiredSource(twin, { desired: (d) => void seen.push(d), reported: (r) => void baselines.push(r) }, clock, silentLog());
  return { clock, twin, seen, baselines, source };
}

describe('desired source (reference §2.4)', () => {
  it('reads the whole twin at start and hands over the reported section as baseline', async () => {
    const { twin, seen, baselines, source } = setup();
    source.start();
    await settle();
    expect(twin.gets).toBe(1);
    expect(seen).toEqual([{ a: 1, $version: 4 }]);
    expect(baselines).toEqual([{ r: 1, $version: 9 }]);
  });

  it('applies a patch whose $version is current + 1, reads the twin on a gap, ignores old ones', async () => {
    const { twin, seen, source } = setup();
    source.start();
    await settle();
    twin.setDesired({ a: 1, b: { c: 2 } });
    expect(seen.at(-1)).toEqual({ a: 1, b: { c: 2 }, $version: 5 });
    twin.deliverPatch({ b: { c: null, d: 3 } }, 6);
    expect(seen.at(-1)).toEqual({ a: 1, b: { d: 3 }, $version: 6 });
    expect(twin.gets).toBe(1);
    twin.deliverPatch({ a: 0 }, 5);
    expect(seen).toHaveLength(3);
    twin.desired = { z: true, $version: 9 };
    twin.deliverPatch({ z: true }, 9);
    await settle();
    expect(twin.gets).toBe(2);
    expect(seen.at(-1)).toEqual({ z: true, $version: 9 });
    expect(source.desired).toEqual({ z: true, $version: 9 });
  });

  it('keeps a patch made while a GET is in flight and applies it once the GET answers with the older twin', async () => {
    const { twin, seen, source } = setup();
    twin.holdGets = true;
    source.start();
    await settle();
    twin.setDesired({ a: 2 }); // version 5, made after the GET read version 4
    twin.setDesired({ a: 3 }); // version 6
    twin.releaseGets();
    await settle();
    expect(twin.gets).toBe(1);
    expect(seen.at(-1)).toEqual({ a: 3, $version: 6 });
    expect(source.desired).toEqual({ a: 3, $version: 6 });
  });

  it('reads the twin again when the patches made during a GET leave a gap', async () => {
    const { twin, seen, source } = setup();
    twin.holdGets = true;
    source.start();
    await settle();
    twin.setDesired({ a: 2 }, false); // version 5, its patch lost
    twin.setDesired({ a: 3 }); // version 6
    twin.releaseGets();
    await settle();
    expect(twin.gets).toBe(2);
    twin.releaseGets();
    await settle();
    expect(seen.at(-1)).toEqual({ a: 3, $version: 6 });
  });

  it('reads the twin on reconnect at most every 30 s, every hour, and retries a failed read', async () => {
    const { clock, twin, source } = setup();
    source.start();
    await settle();
    twin.setConnected(true);
    await settle();
    expect(twin.gets).toBe(1);
    await clock.advance(30_000);
    twin.setConnected(true);
    await settle();
    expect(twin.gets).toBe(2);
    await clock.advance(3_600_000);
    expect(twin.gets).toBe(3);
    twin.failWith = new Error('offline');
    await clock.advance(3_600_000);
    expect(twin.gets).toBe(4);
    twin.failWith = undefined;
    await clock.advance(10_000);
    expect(twin.gets).toBe(5);
    source.stop();
    await clock.advance(10 * 3_600_000);
    expect(twin.gets).toBe(5);
  });
});
