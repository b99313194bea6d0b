import type { Message } from '@verge/contracts';

/** The columns a stored `Message` occupies. */
export interface MessageColumns {
  body: Uint8Array;
  properties: string;
  system_properties: string;
}

/** Flattens a message into its columns. */
export function messageToColumns(m: Message): MessageColumns {
  return { body: m.body, properties: propertiesJson(m.properties), system_properties: propertiesJson(m.systemProperties) };
}

/** A property map as stored (JSON); an empty one, most messages' application properties, without `JSON.stringify`. */
export function propertiesJson(bag: Readonly<Record<string, string>>): string {
  for (const k in bag) if (Object.hasOwn(bag, k)) return JSON.stringify(bag);
  return '{}';
}

/** Rebuilds a message from its columns (the body comes back as a Buffer, which is a Uint8Array). */
export function messageFromColumns(c: MessageColumns): Message {
  return {
    body: c.body,
    properties: JSON.parse(c.properties) as Record<string, string>,
    systemProperties: JSON.parse(c.system_properties) as Record<string, string>,
  };
}

/** Bytes a message counts against retention: body, then every property name and value (UTF-8). */
export function messageSizeBytes(m: Message): number {
  return m.body.byteLength + bagBytes(m.properties) + bagBytes(m.systemProperties);
}

// Per message on the ingest path: no array of entries.
function bagBytes(bag: Readonly<Record<string, string>>): number {
  let n = 0;
  for (const k in bag) {
    if (Object.hasOwn(bag, k)) n += Buffer.byteLength(k) + Buffer.byteLength(bag[k] ?? '');
  }
  return n;
}
