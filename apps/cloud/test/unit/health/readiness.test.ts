import { describe, expect, it } from 'vitest';
import type { HealthDto } from '@verge/contracts';
import { silentLog } from '@verge/testkit';
import { createReadiness } from '../../../src/health/readiness.js';

const up: HealthDto = { status: 'ok', listeners: { http: { up: true, port: 1 }, https: { up: true, port: 2 }, mqtt: { up: true, port: 3 } } };
const log = silentLog();

describe('createReadiness', () => {
  it('is ready when the store and the bus answer, every listener is up and the phase is ok', async () => {
    const ready = createReadiness({ health: () => up, store: async () => undefined, bus: async () => undefined, log });
    expect(await ready()).toEqual({ ready: true, status: 'ok', checks: { store: 'ok', bus: 'ok', blobStore: 'notConfigured', listeners: 'ok', draining: false } });
  });

  it('is not ready while draining (stopping), and says so', async () => {
    const ready = createReadiness({ health: () => ({ ...up, status: 'stopping' }), store: async () => undefined, log });
    expect(await ready()).toEqual({ ready: false, status: 'stopping', checks: { store: 'ok', bus: 'notConfigured', blobStore: 'notConfigured', listeners: 'ok', draining: true } });
  });

  it('fails a store that rejects, without its error text in the answer', async () => {
    const ready = createReadiness({ health: () => up, store: () => Promise.reject(new Error('password authentication failed for user "secret"')), log });
    const r = await ready();
    expect(r).toEqual({ ready: false, status: 'ok', checks: { store: 'failed', bus: 'notConfigured', blobStore: 'notConfigured', listeners: 'ok', draining: false } });
    expect(JSON.stringify(r)).not.toContain('secret');
  });

  it('fails a bus that does not answer within the probe timeout', async () => {
    const ready = createReadiness({ health: () => up, store: async () => undefined, bus: () => new Promise(() => undefined), log, timeoutMs: 20 });
    expect((await ready()).checks.bus).toBe('failed');
  });

  it('reports the blob store without letting it decide readiness', async () => {
    const failing = createReadiness({ health: () => up, store: async () => undefined, blobStore: () => Promise.reject(new Error('ECONNREFUSED')), log });
    expect(await failing()).toEqual({ ready: true, status: 'ok', checks: { store: 'ok', bus: 'notConfigured', blobStore: 'failed', listeners: 'ok', draining: false } });
    const idle = createReadiness({ health: () => up, store: async () => undefined, blobStore: async () => 'notStarted', log });
    expect((await idle()).checks.blobStore).toBe('notStarted');
    const silent = createReadiness({ health: () => up, store: async () => undefined, blobStore: () => new Promise(() => undefined), log, timeoutMs: 20 });
    expect(await silent()).toMatchObject({ ready: true, checks: { blobStore: 'failed' } });
  });

  it('is not ready while a listener is down (starting)', async () => {
    const ready = createReadiness({ health: () => ({ status: 'starting', listeners: { http: { up: true }, mqtt: { up: false } } }), store: async () => undefined, log });
    expect(await ready()).toMatchObject({ ready: false, checks: { listeners: 'failed' } });
  });
});
