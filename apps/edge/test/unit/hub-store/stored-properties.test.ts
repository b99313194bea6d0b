import { join } from 'node:path';
import { tempDir } from '@verge/testkit';
import { messageSizeBytes, type Message } from '@verge/contracts';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSqliteMessageStore } from '../../../src/hub/store/index.js';
import { keptProperties, ParsedRecords, propertiesJson, storedSizeBytes } from '../../../src/hub/store/stored-properties.js';

const queue = { endpointId: 'e', priority: 0 };
const delivery = [{ ...queue, ttlSecs: -1 }];

function openStore(path: string) {
  const store = openSqliteMessageStore({ path });
  onTestFinished(() => store.close());
  return store;
}

function storePath(): string {
  const tmp = tempDir('verge-hub-props-');
  onTestFinished(tmp.cleanup);
  return join(tmp.dir, 'messages.db');
}

describe('stored properties (issue 8: one serialisation per frozen topic object)', () => {
  it('serialises a frozen record once and shares it; an unfrozen one every time, as a copy', () => {
    const frozen = Object.freeze({ a: '1' });
    expect(propertiesJson(frozen)).toBe('{"a":"1"}');
    expect(propertiesJson(frozen)).toBe(propertiesJson(frozen));
    expect(keptProperties(frozen)).toBe(frozen);
    const open: Record<string, string> = { a: '1' };
    expect(propertiesJson(open)).toBe('{"a":"1"}');
    open['b'] = '2';
    expect(propertiesJson(open)).toBe('{"a":"1","b":"2"}');
    const kept = keptProperties(open);
    expect(kept).not.toBe(open);
    expect(kept).toEqual({ a: '1', b: '2' });
  });

  it('stores what an unfrozen record held at append, even when the caller changes it afterwards', async () => {
    const path = storePath();
    const store = openStore(path);
    const properties: Record<string, string> = { k: 'before' };
    const systemProperties: Record<string, string> = { messageId: 'm1' };
    const appended = store.append({ body: new Uint8Array([1]), properties, systemProperties }, delivery);
    properties['k'] = 'after';
    systemProperties['messageId'] = 'changed';
    await appended;
    const fromMemory = (await store.read(queue, 0, 10)).entries[0]?.message;
    expect(fromMemory?.properties).toEqual({ k: 'before' });
    expect(fromMemory?.systemProperties).toEqual({ messageId: 'm1' });
    await store.close();
    const fromFile = (await openStore(path).read(queue, 0, 10)).entries[0]?.message;
    expect(fromFile?.properties).toEqual({ k: 'before' });
    expect(fromFile?.systemProperties).toEqual({ messageId: 'm1' });
  });

  it('stores messages sharing frozen records (a cached topic) with those records, in memory and in the file', async () => {
    const path = storePath();
    const store = openStore(path);
    const properties = Object.freeze({ alert: 'high', ['__proto__']: 'x' });
    const systemProperties = Object.freeze({ outputName: 'out', connectionDeviceId: 'd', connectionModuleId: 'm' });
    const message = (b: number): Message => ({ body: new Uint8Array([b]), properties, systemProperties });
    await Promise.all([store.append(message(1), delivery), store.append(message(2), delivery)]);
    const expectSame = (entries: readonly { message: Message }[]): void => {
      expect(entries.map((e) => [...e.message.body])).toEqual([[1], [2]]);
      for (const e of entries) {
        expect(e.message.properties).toEqual(properties);
        expect(Object.hasOwn(e.message.properties, '__proto__')).toBe(true);
        expect(e.message.systemProperties).toEqual(systemProperties);
      }
    };
    expectSame((await store.read(queue, 0, 10)).entries);
    await store.close();
    expectSame((await openStore(path).read(queue, 0, 10)).entries);
  });

  it('counts a message as messageSizeBytes does, frozen records once, unfrozen ones as they are now', () => {
    const properties = Object.freeze({ alert: 'hé', k: '' });
    const systemProperties = Object.freeze({ outputName: 'out', connectionDeviceId: 'd' });
    const message: Message = { body: new Uint8Array(7), properties, systemProperties };
    expect(storedSizeBytes(message)).toBe(messageSizeBytes(message));
    expect(storedSizeBytes(message)).toBe(messageSizeBytes(message));
    const open: Record<string, string> = { a: '1' };
    const changing: Message = { body: new Uint8Array(1), properties: open, systemProperties: {} };
    expect(storedSizeBytes(changing)).toBe(messageSizeBytes(changing));
    open['b'] = '22';
    expect(storedSizeBytes(changing)).toBe(messageSizeBytes(changing));
  });

  it('parses each distinct property text read back once, into one frozen record', () => {
    const records = new ParsedRecords();
    const a = records.of('{"a":"1","__proto__":"x"}');
    expect(records.of('{"a":"1","__proto__":"x"}')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.hasOwn(a, '__proto__')).toBe(true);
    expect(propertiesJson(a)).toBe('{"a":"1","__proto__":"x"}');
    expect(records.of('{"a":"2"}')).toEqual({ a: '2' });
    for (let i = 0; i < 300; i++) records.of(`{"n":"${i}"}`); // bounded: starts over, still right
    expect(records.of('{"a":"1","__proto__":"x"}')).toEqual(a);
  });

  it('reads a backlog from the file with one shared frozen record per distinct text', async () => {
    const path = storePath();
    const writer = openSqliteMessageStore({ path });
    await Promise.all([1, 2, 3].map((b) => writer.append({ body: new Uint8Array([b]), properties: { p: b === 3 ? 'other' : 'same' }, systemProperties: { connectionDeviceId: 'd' } }, delivery)));
    await writer.close();
    const entries = (await openStore(path).read(queue, 0, 10)).entries;
    expect(entries.map((e) => e.message.properties)).toEqual([{ p: 'same' }, { p: 'same' }, { p: 'other' }]);
    expect(entries[0]?.message.properties).toBe(entries[1]?.message.properties);
    expect(entries[0]?.message.systemProperties).toBe(entries[2]?.message.systemProperties);
    expect(Object.isFrozen(entries[0]?.message.properties)).toBe(true);
  });
});
