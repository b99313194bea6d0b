/**
 * How the SQLite store keeps a message's property records (issue 8). Messages on a module's cached telemetry topic
 * share one frozen `properties` and one frozen `systemProperties` object (`iothub-mqtt/publish-topic-cache.ts`), so
 * their JSON text is computed once per object, not once per message, and the entry kept for reads shares the object
 * instead of copying it. A record that is not frozen may still change after `append`: it is serialised and copied
 * every time. Values are strings, so a frozen record cannot change and its text stays right.
 */
import { messageSizeBytes, type Message } from '@verge/contracts';

const jsonOfFrozen = new WeakMap<object, string>();
const bytesOfFrozen = new WeakMap<object, number>();
const noBody = new Uint8Array(0);
const noProperties: Readonly<Record<string, string>> = Object.freeze({});

/** `JSON.stringify(record)`, memoised for frozen records. */
export function propertiesJson(record: Readonly<Record<string, string>>): string {
  if (!Object.isFrozen(record)) return JSON.stringify(record);
  let json = jsonOfFrozen.get(record);
  if (json === undefined) {
    json = JSON.stringify(record);
    jsonOfFrozen.set(record, json);
  }
  return json;
}

/** The record as the store's entry holds it: the record itself when frozen, else an own copy. */
export function keptProperties(record: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  return Object.isFrozen(record) ? record : { ...record };
}

/**
 * `messageSizeBytes(message)`, with the bytes of frozen property records counted once per record (the store
 * counts every append, the upstream pump every chunk it cuts; issue 8). Same result: the record part of
 * `messageSizeBytes` is a sum over each record alone.
 */
export function storedSizeBytes(message: Message): number {
  return message.body.byteLength + recordBytes(message.properties) + recordBytes(message.systemProperties);
}

function recordBytes(record: Readonly<Record<string, string>>): number {
  if (!Object.isFrozen(record)) return messageSizeBytes({ body: noBody, properties: record, systemProperties: noProperties });
  let n = bytesOfFrozen.get(record);
  if (n === undefined) {
    n = messageSizeBytes({ body: noBody, properties: record, systemProperties: noProperties });
    bytesOfFrozen.set(record, n);
  }
  return n;
}

/** Distinct property texts a {@link ParsedRecords} keeps at most; past it, it starts over. */
const parsedRecordsMax = 256;

/**
 * Property records read back from the SQLite store, parsed once per distinct JSON text and frozen (issue 8): the
 * messages of one sender's output mostly carry the same properties, so reads of a backlog (the upstream pump, a
 * drain after a restart) share one object per text, like the entries committed last do, and the per-record
 * memos (JSON text, size, a module input's topic) apply to them too. Read results are read-only.
 */
export class ParsedRecords {
  private readonly byText = new Map<string, Readonly<Record<string, string>>>();

  of(json: string): Readonly<Record<string, string>> {
    let record = this.byText.get(json);
    if (record === undefined) {
      if (this.byText.size >= parsedRecordsMax) this.byText.clear();
      record = Object.freeze(JSON.parse(json) as Record<string, string>);
      jsonOfFrozen.set(record, json);
      this.byText.set(json, record);
    }
    return record;
  }
}
