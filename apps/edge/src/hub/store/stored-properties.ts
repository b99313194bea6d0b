/**
 * How the SQLite store keeps a message's property records (issue 8). Messages on a module's cached telemetry topic
 * share one frozen `properties` and one frozen `systemProperties` object (`iothub-mqtt/publish-topic-cache.ts`), so
 * their JSON text is computed once per object, not once per message, and the entry kept for reads shares the object
 * instead of copying it. A record that is not frozen may still change after `append`: it is serialised and copied
 * every time. Values are strings, so a frozen record cannot change and its text stays right.
 */
const jsonOfFrozen = new WeakMap<object, string>();

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
