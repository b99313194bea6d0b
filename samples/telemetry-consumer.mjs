#!/usr/bin/env node
// Reads the device-to-cloud messages a Verge cloud started with `--bus` publishes to JetStream, with nothing but the
// NATS client (`npm install nats`). Message format: docs/scale-out/nats-bus.md ("Telemetry on JetStream").
//
//   node samples/telemetry-consumer.mjs [--server nats://127.0.0.1:4222] [--prefix verge] [--device ID] [--new] [--count N]
//
// Prints one JSON line per message: deviceId, moduleId, sequenceNumber, enqueuedTime, properties, systemProperties
// and the body (text when it is UTF-8, else base64). --new starts at messages arriving from now on (default: the
// whole stream); --count exits after N messages; otherwise it runs until Ctrl-C.
import { parseArgs } from 'node:util';
import { connect, DeliverPolicy } from 'nats';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'nats://127.0.0.1:4222' },
    prefix: { type: 'string', default: 'verge' },
    device: { type: 'string' },
    new: { type: 'boolean', default: false },
    count: { type: 'string' },
  },
});
const limit = values.count === undefined ? Infinity : Number(values.count);
const stream = `${values.prefix.toUpperCase().replaceAll('-', '_')}_TELEMETRY`;
// Device and module ids are subject tokens with '%', '.', '*', '>' and whitespace percent-encoded.
const token = (id) => id.replace(/[%.*>\s]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
// A device's own messages are `<prefix>.telemetry.<device>`, its modules' `<prefix>.telemetry.<device>.<module>`.
const subject = values.device === undefined ? `${values.prefix}.telemetry.>` : `${values.prefix}.telemetry.${token(values.device)}`;

const nc = await connect({ servers: values.server });
const js = nc.jetstream();
// An ordered consumer: ephemeral, in stream order, nothing to clean up. A service would use a durable consumer.
// One filter subject (NATS servers before 2.10 take no more); the default delivery starts at the stream's first message.
const consumer = await js.consumers.get(stream, { filterSubjects: subject, ...(values.new ? { deliver_policy: DeliverPolicy.New } : {}) });
const messages = await consumer.consume();
process.once('SIGINT', () => void messages.close());

const utf8 = new TextDecoder('utf-8', { fatal: true });
let seen = 0;
for await (const m of messages) {
  const h = (name) => m.headers?.get(name) || undefined;
  let body;
  try {
    body = { text: utf8.decode(m.data) };
  } catch {
    body = { base64: Buffer.from(m.data).toString('base64') };
  }
  process.stdout.write(
    `${JSON.stringify({
      deviceId: h('Verge-Device-Id'),
      moduleId: h('Verge-Module-Id'),
      sequenceNumber: Number(h('Verge-Sequence-Number')),
      enqueuedTime: h('Verge-Enqueued-Time'),
      properties: JSON.parse(h('Verge-Properties') ?? '{}'),
      systemProperties: JSON.parse(h('Verge-System-Properties') ?? '{}'),
      ...body,
    })}\n`,
  );
  if (++seen >= limit) break;
}
await nc.close();
