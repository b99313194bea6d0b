import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@verge/core';
import { Reporter } from '../../../src/agent/reporter.js';
import { isStatusChange } from '../../../src/agent/reported-properties.js';
import { FakeClock, settle, silentLog } from '@verge/testkit';
import { FakeTwinClient } from './support/fake-twin.js';

function doc(modules: Record<string, { runtimeStatus: string; exitCode?: number }>, code = 200): JsonObject {
  return { schemaVersion: '1.0', lastDesiredVersion: 2, lastDesiredStatus: { code, description: '' }, modules };
}

function setup() {
  const clock = new FakeClock();
  const twin = new FakeTwinClient();
  twin.connected = true;
  const reporter = new Reporter(twin, clock, silentLog());
  reporter.start();
  return { clock, twin, reporter };
}

describe('reporter', () => {
  it('waits for a baseline, then sends only the difference, with null for removed modules', async () => {
    const { clock, twin, reporter } = setup();
    reporter.update(doc({ a: { runtimeStatus: 'running' } }));
    await clock.advance(0);
    expect(twin.patches).toEqual([]);
    twin.reported = { $version: 3, schemaVersion: '1.0', modules: { old: { runtimeStatus: 'running' } } };
    reporter.setBaseline(twin.reported as JsonObject);
    await clock.advance(0);
    expect(twin.patches).toEqual([{ lastDesiredVersion: 2, lastDesiredStatus: { code: 200, description: '' }, modules: { old: null, a: { runtimeStatus: 'running' } } }]);
    expect(twin.reported).toEqual({ $version: 4, schemaVersion: '1.0', lastDesiredVersion: 2, lastDesiredStatus: { code: 200, description: '' }, modules: { a: { runtimeStatus: 'running' } } });
  });

  it('coalesces reports to one patch per 5 s unless a status changes', async () => {
    const { clock, twin, reporter } = setup();
    reporter.setBaseline({ $version: 1 });
    reporter.update(doc({ a: { runtimeStatus: 'running', exitCode: 0 } }));
    await clock.advance(0);
    expect(twin.patches).toHaveLength(1);
    reporter.update(doc({ a: { runtimeStatus: 'running', exitCode: 1 } }));
    reporter.update(doc({ a: { runtimeStatus: 'running', exitCode: 2 } }));
    await clock.advance(4_999);
    expect(twin.patches).toHaveLength(1);
    await clock.advance(1);
    expect(twin.patches).toEqual([expect.anything(), { modules: { a: { exitCode: 2 } } }]);
    reporter.update(doc({ a: { runtimeStatus: 'failed', exitCode: 2 } }));
    await clock.advance(0);
    expect(twin.patches.at(-1)).toEqual({ modules: { a: { runtimeStatus: 'failed' } } });
    reporter.update(doc({ a: { runtimeStatus: 'failed', exitCode: 2 } }));
    await clock.advance(10_000);
    expect(twin.patches).toHaveLength(3);
  });

  it('keeps the latest report while offline and sends it after the reconnect', async () => {
    const { clock, twin, reporter } = setup();
    reporter.setBaseline({ $version: 1 });
    await clock.advance(0);
    twin.setConnected(false);
    reporter.update(doc({ a: { runtimeStatus: 'running' } }));
    reporter.update(doc({ a: { runtimeStatus: 'backoff' } }));
    await clock.advance(60_000);
    expect(twin.patches).toEqual([]);
    twin.setConnected(true);
    await clock.advance(0);
    await settle();
    expect(twin.patches).toEqual([{ lastDesiredVersion: 2, lastDesiredStatus: { code: 200, description: '' }, modules: { a: { runtimeStatus: 'backoff' } }, schemaVersion: '1.0' }]);
  });

  it('retries a failed patch and flushes on demand', async () => {
    const { clock, twin, reporter } = setup();
    reporter.setBaseline({ $version: 1 });
    twin.failWith = new Error('throttled');
    reporter.update(doc({}, 500));
    await clock.advance(0);
    twin.failWith = undefined;
    expect(twin.patches).toEqual([]);
    await clock.advance(10_000);
    expect(twin.patches).toHaveLength(1);
    reporter.update(doc({}, 406));
    await reporter.flush(1_000);
    expect(twin.patches.at(-1)).toEqual({ lastDesiredStatus: { code: 406 } });
  });

  it('treats status, version and module status changes as urgent', () => {
    expect(isStatusChange(undefined, doc({}))).toBe(true);
    expect(isStatusChange(doc({ a: { runtimeStatus: 'running' } }), doc({ a: { runtimeStatus: 'running', exitCode: 3 } }))).toBe(false);
    expect(isStatusChange(doc({ a: { runtimeStatus: 'running' } }), doc({}))).toBe(true);
    expect(isStatusChange(doc({}), doc({}, 500))).toBe(true);
    expect(isStatusChange(doc({}), { ...doc({}), lastDesiredVersion: 3 })).toBe(true);
  });
});
