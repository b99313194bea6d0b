// The service AMQP listener with a plain AMQP client (rhea) doing what the SDK never does: links before any token,
// a policy without ServiceConnect, a token left to lapse, a malformed C2D message, the feedback node, a shutdown.
// Real TLS on a free loopback port; the C2D service is a recorder (the SDK test covers the real one).
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import rhea, { type Connection, type EventContext } from 'rhea';
import { VergeError } from '@verge/contracts';
import { createServiceSasToken, generateSymmetricKey } from '@verge/core';
import { ensureCloudPki, createLogger } from '@verge/platform';
import { eventually, tempDir } from '@verge/testkit';
import { createAmqpEndpoint, type AmqpEndpoint, type AmqpEndpointLimits } from '../../../src/amqp/amqp-endpoint.js';
import type { C2dSendInput } from '../../../src/services/c2d-service.js';
import type { ServiceBoundQueue } from '../../../src/store/ports.js';
import type { C2dFeedbackRecord, FileNotificationRecord, PolicyRecord } from '../../../src/store/records.js';

/** A service-bound queue in memory (the stores' own pass the contract suite). */
class MemoryQueue<T> implements ServiceBoundQueue<T> {
  readonly rows: { seq: number; record: T }[] = [];
  private next = 1;
  add(records: readonly T[]): Promise<void> {
    for (const record of records) this.rows.push({ seq: this.next++, record });
    return Promise.resolve();
  }
  oldest(limit: number): Promise<{ seq: number; record: T }[]> {
    return Promise.resolve(this.rows.slice(0, limit));
  }
  remove(seqs: readonly number[]): Promise<number> {
    const before = this.rows.length;
    this.rows.splice(0, this.rows.length, ...this.rows.filter((r) => !seqs.includes(r.seq)));
    return Promise.resolve(before - this.rows.length);
  }
  purgeAddedBefore(): Promise<number> {
    return Promise.resolve(0);
  }
}

const key = generateSymmetricKey(randomBytes(32));
const policies: Record<string, PolicyRecord> = {
  owner: { name: 'owner', primaryKey: key, secondaryKey: key, rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect', 'DeviceConnect'], createdAtMs: 0 },
  reader: { name: 'reader', primaryKey: key, secondaryKey: key, rights: ['RegistryRead'], createdAtMs: 0 },
};
let tls: { key: string; cert: string; ca: string };
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  const dir = tempDir('verge-amqp-');
  cleanups.push(dir.cleanup);
  const pki = await ensureCloudPki({ dir: dir.dir, hostname: 'localhost' });
  tls = { key: pki.serverKeyPem, cert: pki.serverCertChainPem, ca: pki.caPem };
});
afterEach(async () => {
  for (const c of cleanups.splice(1).reverse()) await c();
});
afterAll(() => cleanups.splice(0).forEach((c) => c()));

async function endpoint(o: { nowMs?: () => number; limits?: Partial<AmqpEndpointLimits> } = {}): Promise<{ ep: AmqpEndpoint; port: number; sent: { deviceId: string; input: C2dSendInput }[]; feedback: MemoryQueue<C2dFeedbackRecord>; fileNotifications: MemoryQueue<FileNotificationRecord> }> {
  const sent: { deviceId: string; input: C2dSendInput }[] = [];
  const feedback = new MemoryQueue<C2dFeedbackRecord>();
  const fileNotifications = new MemoryQueue<FileNotificationRecord>();
  const ep = createAmqpEndpoint({
    host: '127.0.0.1',
    port: 0,
    hostName: 'localhost',
    tls,
    findPolicy: (name) => Promise.resolve(policies[name]),
    c2d: {
      send: async (deviceId, input) => {
        if (deviceId === 'missing') throw new VergeError('CLD_DEVICE_NOT_FOUND', `device '${deviceId}' does not exist`);
        // A store that takes longer for some messages than for others.
        const delayMs = Number(input.properties['delayMs'] ?? 0);
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        sent.push({ deviceId, input });
        return { messageId: 'm', pending: 1 } as never;
      },
    },
    feedback,
    fileNotifications,
    serviceBoundSender: { batch: 2, pollMs: 20 },
    nowMs: o.nowMs ?? Date.now,
    log: createLogger({ service: 'test', level: 'silent' }),
    ...(o.limits === undefined ? {} : { limits: o.limits }),
  });
  const port = await ep.start();
  cleanups.push(() => ep.stop());
  return { ep, port, sent, feedback, fileNotifications };
}

/** A rhea client connection with event queues a test can wait on. */
function connect(port: number): { conn: Connection; events: { name: string; context: EventContext }[] } {
  const container = rhea.create_container();
  const events: { name: string; context: EventContext }[] = [];
  for (const name of ['connection_open', 'connection_close', 'disconnected', 'sender_open', 'sender_close', 'receiver_open', 'receiver_close', 'message', 'accepted', 'rejected']) {
    container.on(name, (context: EventContext) => events.push({ name, context }));
  }
  container.on('error', () => undefined);
  const conn = container.connect({ host: '127.0.0.1', port, transport: 'tls', ca: tls.ca, servername: 'localhost', reconnect: false } as never);
  cleanups.push(() => conn.close());
  return { conn, events };
}

async function putToken(conn: Connection, events: { name: string; context: EventContext }[], token: string): Promise<Record<string, unknown>> {
  const replies = conn.open_receiver({ source: { address: '$cbs' }, target: { address: 'cbs-replies' } } as never);
  const requests = conn.open_sender({ target: { address: '$cbs' } });
  await eventually(() => requests.sendable(), { timeoutMs: 5000, description: 'the $cbs link has credit' });
  requests.send({ message_id: 'put-1', reply_to: 'cbs-replies', application_properties: { operation: 'put-token', type: 'servicebus.windows.net:sastoken', name: 'localhost' }, body: token });
  await eventually(() => events.some((e) => e.name === 'message' && e.context.receiver === replies), { timeoutMs: 5000, description: 'the put-token answer' });
  return events.find((e) => e.name === 'message' && e.context.receiver === replies)?.context.message?.application_properties as Record<string, unknown>;
}

function token(policy: string, expirySec = Math.floor(Date.now() / 1000) + 3600): string {
  return createServiceSasToken({ hostName: 'localhost', policyName: policy, key, expirySec });
}

it('refuses the C2D link before a token, and closes a connection that never puts one', async () => {
  const { port } = await endpoint({ limits: { authenticateWithinMs: 400 } });
  const { conn, events } = connect(port);
  conn.open_sender({ target: { address: '/messages/devicebound' } });
  await eventually(() => events.some((e) => e.name === 'sender_close'), { timeoutMs: 5000, description: 'the C2D link refused' });
  const closed = events.find((e) => e.name === 'sender_close')?.context.sender?.error as { condition: string; description: string };
  expect(closed).toMatchObject({ condition: 'amqp:unauthorized-access' });
  expect(closed.description).toContain('put a SharedAccessSignature of a shared access policy on $cbs first');
  await eventually(() => events.some((e) => e.name === 'connection_close' || e.name === 'disconnected'), { timeoutMs: 5000, description: 'the connection closed' });
  expect(String((conn as unknown as { error?: { description?: string } }).error?.description)).toContain('no valid token was put on $cbs within 400 ms');
});

it('answers 401 to a bad token and refuses C2D to a policy without ServiceConnect', async () => {
  const { port, sent } = await endpoint();
  const { conn, events } = connect(port);
  const bad = await putToken(conn, events, token('owner').replace(/sig=[^&]+/, 'sig=AAAA'));
  expect(bad['status-code']).toBe(401);
  expect(String(bad['status-description'])).toContain('CLD_AUTH_SIGNATURE_INVALID');

  const second = connect(port);
  expect((await putToken(second.conn, second.events, token('reader')))['status-code']).toBe(200);
  second.conn.open_sender({ target: { address: '/messages/devicebound' } });
  await eventually(() => second.events.some((e) => e.name === 'sender_close'), { timeoutMs: 5000, description: 'the C2D link refused' });
  const closed = second.events.find((e) => e.name === 'sender_close')?.context.sender?.error as { condition: string; description: string };
  expect(closed.condition).toBe('amqp:unauthorized-access');
  expect(closed.description).toContain("CLD_AUTH_RIGHT_MISSING: shared access policy 'reader' lacks the ServiceConnect right");
  expect(sent).toEqual([]);
});

it('rejects a malformed C2D message naming the field, queues a good one, refuses an unknown node, and closes on shutdown', async () => {
  const { ep, port, sent } = await endpoint();
  const { conn, events } = connect(port);
  expect((await putToken(conn, events, token('owner')))['status-code']).toBe(200);
  const c2d = conn.open_sender({ target: { address: '/messages/devicebound' } });
  await eventually(() => c2d.sendable(), { timeoutMs: 5000, description: 'the C2D link has credit' });
  c2d.send({ to: '/devices/d1/messages/events', body: rhea.message.data_section(Buffer.from('x')) });
  c2d.send({ to: '/devices/missing/messages/devicebound', body: rhea.message.data_section(Buffer.from('x')) });
  c2d.send({ to: '/devices/d%2F1/messages/devicebound', message_id: 'ok-1', application_properties: { n: 7, 'iothub-ack': 'full' }, body: rhea.message.data_section(Buffer.from('hello')) });
  // One outcome per delivery (rhea may raise an outcome event more than once for one delivery).
  const outcomes = (): { name: string; context: EventContext }[] => {
    const byDelivery = new Map<unknown, { name: string; context: EventContext }>();
    for (const e of events) if ((e.name === 'rejected' || e.name === 'accepted') && e.context.sender === c2d) byDelivery.set(e.context.delivery, e);
    return [...byDelivery.values()];
  };
  await eventually(() => outcomes().length === 3, { timeoutMs: 5000, description: 'three outcomes' });
  const rejected = outcomes().filter((e) => e.name === 'rejected').map((e) => (e.context.delivery?.remote_state as { error?: { condition: string; description: string } }).error);
  expect(rejected).toEqual([
    expect.objectContaining({ condition: 'com.microsoft:argument-error', description: expect.stringContaining("CLD_AMQP_MESSAGE_INVALID: the message's 'to' must be /devices/{deviceId}/messages/devicebound") }),
    expect.objectContaining({ condition: 'amqp:not-found', description: "CLD_DEVICE_NOT_FOUND: device 'missing' does not exist" }),
  ]);
  expect(sent).toEqual([{ deviceId: 'd/1', input: { body: new Uint8Array(Buffer.from('hello')), properties: { n: '7' }, messageId: 'ok-1', ack: 'full' } }]);

  conn.open_receiver({ source: { address: '/messages/serviceBound/nothing' } });
  await eventually(() => events.some((e) => e.name === 'receiver_close'), { timeoutMs: 5000, description: 'the unknown node refused' });
  expect(events.find((e) => e.name === 'receiver_close')?.context.receiver?.error).toMatchObject({
    condition: 'amqp:not-found',
    description: "no node '/messages/serviceBound/nothing' to receive from; the service nodes are $cbs, /messages/serviceBound/feedback, /messages/serviceBound/filenotifications",
  });

  await ep.stop();
  await eventually(() => events.some((e) => e.name === 'connection_close' || e.name === 'disconnected'), { timeoutMs: 5000, description: 'the connection closed at shutdown' });
});

it('closes a connection whose token lapses without a renewal', async () => {
  const expirySec = Math.floor(Date.now() / 1000) + 60;
  // The clock starts 300 ms before the token (plus IoT Hub's 5-minute skew) stops being accepted.
  const start = Date.now();
  const { port } = await endpoint({ nowMs: () => (expirySec + 300 + 1) * 1000 - 300 + (Date.now() - start) });
  const { conn, events } = connect(port);
  expect((await putToken(conn, events, token('owner', expirySec)))['status-code']).toBe(200);
  await eventually(() => events.some((e) => e.name === 'connection_close' || e.name === 'disconnected'), { timeoutMs: 5000, description: 'the connection closed' });
  expect(String((conn as unknown as { error?: { description?: string } }).error?.description)).toContain('expired and was not renewed');
});

it('sends feedback records in batches to a receiver with ServiceConnect, removes what it accepts and sends again what it releases', async () => {
  const { port, feedback } = await endpoint();
  const record = (id: string): C2dFeedbackRecord => ({ originalMessageId: id, deviceId: 'd', deviceGenerationId: 'g', enqueuedTimeUtc: '2030-01-01T00:00:00.000Z', statusCode: 'Success', description: 'Success' });
  await feedback.add([record('a'), record('b'), record('c')]);

  const early = connect(port);
  early.conn.open_receiver({ source: { address: '/messages/serviceBound/feedback' } });
  await eventually(() => early.events.some((e) => e.name === 'receiver_close'), { timeoutMs: 5000, description: 'the feedback link refused before a token' });
  expect(early.events.find((e) => e.name === 'receiver_close')?.context.receiver?.error).toMatchObject({ condition: 'amqp:unauthorized-access' });

  const { conn, events } = connect(port);
  expect((await putToken(conn, events, token('owner')))['status-code']).toBe(200);
  const batches: { ids: string[]; contentType: unknown }[] = [];
  let releaseNext = true;
  const receiver = conn.open_receiver({ source: { address: '/messages/serviceBound/feedback' }, autoaccept: false } as never);
  receiver.on('message', (context: EventContext) => {
    const body = (context.message?.body as { content: Buffer }).content;
    batches.push({ ids: (JSON.parse(body.toString()) as C2dFeedbackRecord[]).map((r) => r.originalMessageId), contentType: context.message?.content_type });
    if (releaseNext) {
      releaseNext = false;
      context.delivery?.release();
    } else context.delivery?.accept();
  });
  await eventually(() => feedback.rows.length === 0, { timeoutMs: 5000, description: 'every record accepted' });
  expect(batches).toEqual([
    { ids: ['a', 'b'], contentType: 'application/vnd.microsoft.iothub.feedback.json' },
    { ids: ['a', 'b'], contentType: 'application/vnd.microsoft.iothub.feedback.json' },
    { ids: ['c'], contentType: 'application/vnd.microsoft.iothub.feedback.json' },
  ]);
  // A record added while the link is idle goes out at the next look.
  await feedback.add([record('d')]);
  await eventually(() => batches.length === 4, { timeoutMs: 5000, description: 'the new record sent' });
  expect(batches[3]?.ids).toEqual(['d']);
});

it("queues one link's messages in the order they were sent, whatever each takes to store", async () => {
  const { port, sent } = await endpoint();
  const { conn, events } = connect(port);
  expect((await putToken(conn, events, token('owner')))['status-code']).toBe(200);
  const c2d = conn.open_sender({ target: { address: '/messages/devicebound' } });
  await eventually(() => c2d.sendable(), { timeoutMs: 5000, description: 'the C2D link has credit' });
  for (const [i, delayMs] of [40, 0, 20, 0].entries()) {
    c2d.send({ to: '/devices/d/messages/devicebound', message_id: `m${i}`, application_properties: { delayMs }, body: rhea.message.data_section(Buffer.from('x')) });
  }
  await eventually(() => sent.length === 4, { timeoutMs: 5000, description: 'four messages queued' });
  expect(sent.map((s) => s.input.messageId)).toEqual(['m0', 'm1', 'm2', 'm3']);
});

it('sends file notifications one per message, as IoT Hub does', async () => {
  const { port, fileNotifications } = await endpoint();
  const note = (name: string): FileNotificationRecord => ({ deviceId: 'd', blobUri: `https://h/c/d/${name}`, blobName: `d/${name}`, lastUpdatedTime: '2030-01-01T00:00:00.000Z', blobSizeInBytes: 1, enqueuedTimeUtc: '2030-01-01T00:00:00.000Z' });
  await fileNotifications.add([note('a'), note('b')]);
  const { conn, events } = connect(port);
  expect((await putToken(conn, events, token('owner')))['status-code']).toBe(200);
  const bodies: unknown[] = [];
  const receiver = conn.open_receiver({ source: { address: '/messages/serviceBound/filenotifications' } });
  receiver.on('message', (context: EventContext) => bodies.push(JSON.parse((context.message?.body as { content: Buffer }).content.toString())));
  await eventually(() => fileNotifications.rows.length === 0, { timeoutMs: 5000, description: 'both notifications accepted' });
  expect(bodies).toEqual([note('a'), note('b')]);
});
