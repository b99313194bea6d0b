#!/usr/bin/env node
// Micro-benchmark of the MQTT front door (packages/iothub-mqtt, issue 8 item 2): CPU µs per routed module→module
// message through the server, no store. A sender module publishes QoS 1 (256 B, a property bag) in windows of
// `--window` frames per write; the backend takes each message (a resolved promise, as the hub's store does) and
// delivers it QoS 1 to a receiver module's input, which PUBACKs every chunk it reads in one write. So each message
// crosses the front door four times: PUBLISH decode, PUBACK encode, PUBLISH encode, PUBACK decode.
//
// In memory (default): `handle(stream)` with PassThrough pairs, clients in this process (pre-built frames, a
// byte-level splitter: small next to the server), figure = this process's CPU (process.cpuUsage) per message.
// --tls: the server's TLS listener on 127.0.0.1, clients in a child process; figure = the server process's CPU only.
//
//   npx tsc -b && node bench/iothub-mqtt-front-door.mjs [--tls] [--messages 200000] [--window 16] [--rounds 3]
//                                                       [--vary-topic] [--lib packages/iothub-mqtt/dist/index.js] [--peer <other dist/index.js>]
// With --peer, rounds alternate between the two builds in one run (e.g. a copy of the previous build) and the
// ratio is reported: a noisy machine slows both alike. --vary-topic gives every message its own `$.mid`.
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import mqttPacket from 'mqtt-packet';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    window: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    lib: { type: 'string', default: 'packages/iothub-mqtt/dist/index.js' },
    peer: { type: 'string' },
    tls: { type: 'boolean', default: false },
    'vary-topic': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    client: { type: 'string' }, // internal: the child process of --tls, with the server's port
  },
});
const WINDOW = Number(args.window);
const VARY = args['vary-topic'];
const EDGE = 'bench-edge';
const silent = { level: 'silent', debug() {}, info() {}, warn() {}, error() {}, trace() {}, fatal() {}, child() { return silent; } };

/** Splits a byte stream into MQTT frames (the clients' side: minimal, so the server's cost dominates). */
function frameSplitter(onFrame) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    let buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      let len = 0;
      let mul = 1;
      let i = 1;
      for (; i < 5 && i < buf.length; i++) {
        len += (buf[i] & 0x7f) * mul;
        if ((buf[i] & 0x80) === 0) break;
        mul *= 128;
      }
      if (i >= buf.length) break;
      const total = i + 1 + len;
      if (buf.length < total) break;
      onFrame(buf.subarray(0, total));
      buf = buf.subarray(total);
    }
    pending = buf;
  };
}

const connectFrame = (moduleId) =>
  mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `${EDGE}/${moduleId}`, clean: false, keepalive: 60, username: `hub/${EDGE}/${moduleId}/?api-version=2021-04-12`, password: Buffer.from('ok') });

const nextChunk = (stream, predicate) =>
  new Promise((res) => {
    const on = (chunk) => {
      if (predicate(chunk)) {
        stream.off('data', on);
        res();
      }
    };
    stream.on('data', on);
  });

/**
 * Connects the receiver (subscribed to its inputs, PUBACKs each chunk it reads in one write) and the sender over
 * `open()` ({ out: writable, in: readable }); resolves with `start()`, which sends `messages` in windows.
 */
async function startClients(open, messages) {
  const receiver = await open();
  receiver.out.write(connectFrame('receiver'));
  await nextChunk(receiver.in, (c) => c[0] === 0x20);
  receiver.out.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `devices/${EDGE}/modules/receiver/#`, qos: 1 }] }));
  await nextChunk(receiver.in, (c) => c[0] === 0x90);
  const acks = [];
  const receiverSplit = frameSplitter((frame) => {
    let at = 1; // PUBLISH QoS 1: remaining length, topic length, topic, packet id
    while (frame[at] & 0x80) at++;
    at += 1;
    const topicLength = frame.readUInt16BE(at);
    acks.push(0x40, 0x02, frame[at + 2 + topicLength], frame[at + 3 + topicLength]);
  });
  receiver.in.on('data', (chunk) => {
    receiverSplit(chunk);
    if (acks.length > 0) receiver.out.write(Buffer.from(acks.splice(0)));
  });

  const sender = await open();
  sender.out.write(connectFrame('sender'));
  await nextChunk(sender.in, (c) => c[0] === 0x20);
  const topic = `devices/${EDGE}/modules/sender/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8&seq=1`;
  const payload = Buffer.alloc(256, 0x61);
  // Pre-built windows (packet ids 1..2×WINDOW, alternating): the sender's own cost stays out of the figure. With
  // --vary-topic every frame of 64 windows carries its own `$.mid`, so no two consecutive topics are equal.
  const windowFrames = (first, w) =>
    Buffer.concat(Array.from({ length: WINDOW }, (_, i) => mqttPacket.generate({ cmd: 'publish', topic: VARY ? `${topic}&%24.mid=${w * WINDOW + i}` : topic, payload, qos: 1, messageId: first + i, dup: false, retain: false })));
  const chunks = Array.from({ length: VARY ? 64 : 2 }, (_, w) => windowFrames(w % 2 === 0 ? 1 : WINDOW + 1, w));
  let sent = 0;
  let acked = 0;
  const sendWindow = () => {
    if (sent >= messages) return;
    sender.out.write(chunks[(sent / WINDOW) % chunks.length]);
    sent += WINDOW;
  };
  sender.in.on(
    'data',
    frameSplitter(() => {
      acked += 1;
      if (acked % WINDOW === 0) sendWindow();
    }),
  );
  return {
    start() {
      sendWindow();
      sendWindow(); // two windows in flight
    },
    close() {
      receiver.out.destroy?.();
      sender.out.destroy?.();
    },
  };
}

/** A server of `lib` whose backend routes every sender message to the receiver's input; `done` resolves after `messages`. */
function routingServer(lib, messages, tls) {
  const inputPrefix = `devices/${EDGE}/modules/receiver/inputs/input1/`;
  const bag = '%24.cdid=bench-edge&%24.cmid=sender&%24.on=output1';
  const queue = [];
  let receiverConn;
  let tagSeq = 0;
  const pump = () => {
    receiverConn ??= [...server.connections()].find((c) => c.label === `${EDGE}/receiver` && c.isOpen);
    while (queue.length > 0 && receiverConn !== undefined) {
      if (receiverConn.publish1(inputPrefix + bag, queue[0], `d${++tagSeq}`) === undefined) return;
      queue.shift();
    }
  };
  let delivered = 0;
  let finish;
  const done = new Promise((r) => (finish = r));
  const backend = {
    authenticate: (c) => ({ ok: true, identity: { deviceId: EDGE, moduleId: c.clientId.split('/')[1] }, clientId: c.clientId, method: 'sas' }),
    ingest: async (_identity, message) => {
      queue.push(message.body);
      pump();
    },
    twinGet: () => ({ status: 200, body: '{}' }),
    twinPatchReported: () => ({ status: 204, body: '' }),
    methodResponse: () => false,
    delivered: () => {
      delivered += 1;
      if (delivered === messages) finish();
      pump();
    },
  };
  const server = lib.createIotHubMqttServer({ backend, host: '127.0.0.1', port: 0, tls: tls ?? { key: '', cert: '' }, log: silent, limits: { maxInflightToClient: 256 } });
  return { server, done };
}

/** One round through `lib`: resolves with the server side's CPU µs per message. */
async function round(lib, messages, tls) {
  const { server, done } = routingServer(lib, messages, tls);
  let clients;
  if (tls === undefined) {
    const open = async () => {
      const toServer = new PassThrough();
      const fromServer = new PassThrough();
      server.handle(Duplex.from({ readable: toServer, writable: fromServer }), { transport: 'memory', remoteAddress: '127.0.0.1' });
      return { out: toServer, in: fromServer };
    };
    clients = await startClients(open, messages);
  } else {
    const { port } = await server.start();
    const child = fork(fileURLToPath(import.meta.url), ['--client', String(port), '--window', String(WINDOW), '--messages', String(messages), ...(VARY ? ['--vary-topic'] : [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise((r) => child.once('message', r));
    clients = { start: () => child.send('go'), close: () => child.kill() };
  }
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  clients.start();
  await done;
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  clients.close();
  await server.stop();
  return { cpuUsPerMsg: (cpu.user + cpu.system) / messages, systemUsPerMsg: cpu.system / messages, msgsPerSec: Math.round(messages / (wallMs / 1000)) };
}

/** The --tls child: TLS clients against the server's port; starts sending on `go`. */
async function runClientProcess(port) {
  const open = () =>
    new Promise((res, rej) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' }, () => {
        socket.setNoDelay(true);
        res({ out: socket, in: socket });
      });
      socket.once('error', rej);
    });
  const clients = await startClients(open, Number(args.messages));
  process.on('message', () => clients.start());
  process.send('ready');
}

function selfSignedTls() {
  const dir = mkdtempSync(join(tmpdir(), 'verge-bench-front-door-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', 'key.pem', '-out', 'cert.pem'], { cwd: dir, stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const rounds = Number(args.rounds);
  const messages = Math.floor(Number(args.messages) / WINDOW) * WINDOW;
  const tls = args.tls ? selfSignedTls() : undefined;
  const load = async (p) => import(pathToFileURL(resolve(p)).href);
  const subjects = [{ name: 'lib', path: args.lib, mod: await load(args.lib) }];
  if (args.peer !== undefined) subjects.push({ name: 'peer', path: args.peer, mod: await load(args.peer) });
  for (const s of subjects) await round(s.mod, Math.min(messages, 20 * WINDOW * 64), tls); // warm-up (JIT)
  const results = Object.fromEntries(subjects.map((s) => [s.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 === 0 ? subjects : [...subjects].reverse()) results[s.name].push(await round(s.mod, messages, tls));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = subjects.map((s) => ({
    name: s.name,
    path: s.path,
    cpuUsPerMsg: Number(median(results[s.name].map((x) => x.cpuUsPerMsg)).toFixed(2)),
    systemUsPerMsg: Number(median(results[s.name].map((x) => x.systemUsPerMsg)).toFixed(2)),
    msgsPerSec: median(results[s.name].map((x) => x.msgsPerSec)),
    rounds: results[s.name].map((x) => Number(x.cpuUsPerMsg.toFixed(2))),
  }));
  if (args.json) {
    console.log(JSON.stringify({ messages, window: WINDOW, tls: args.tls, varyTopic: VARY, summary }));
    return;
  }
  console.log(`front door ${args.tls ? 'over TLS (server process CPU)' : 'in memory (process CPU)'}, ${messages} routed messages per round, window ${WINDOW}, ${VARY ? 'a new topic every message' : 'one topic'}, ${rounds} rounds (median), Node ${process.version}`);
  for (const s of summary) console.log(`  ${s.name.padEnd(5)} ${s.cpuUsPerMsg.toFixed(2).padStart(7)} CPU µs/msg (${s.systemUsPerMsg.toFixed(2)} system)  ${String(s.msgsPerSec).padStart(7)} msgs/s  rounds ${s.rounds.join(' / ')}  (${s.path})`);
  if (summary.length === 2) console.log(`  lib / peer CPU per message: ${(summary[0].cpuUsPerMsg / summary[1].cpuUsPerMsg).toFixed(3)}`);
}

if (args.client !== undefined) await runClientProcess(Number(args.client));
else await main();
