import { errorRegistry, VergeError, type ErrorCode } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import type { Logger } from '@verge/platform';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
import type { EventBus } from '../events/event-bus.js';
import type { DeviceGateway, MethodResult } from '../services/types.js';
import { followBusLink } from './bus-link.js';
import type { BusNames } from './nats-subjects.js';

// How long a "do you hold this client?" request waits for the holder's answer.
const PING_TIMEOUT_MS = 2_000;
// Added to the method's own timeout for the NATS round trip: the holder enforces the method timeout and answers
// CLD_METHOD_TIMEOUT itself, so this margin only covers a holder that died meanwhile.
const HANDOVER_MARGIN_MS = 5_000;

const Request = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ping') }),
  z.object({ kind: z.literal('invoke'), methodName: z.string(), payload: z.unknown(), timeoutMs: z.number().int().min(0) }),
]);
type Request = z.infer<typeof Request>;
const Reply = z.union([
  z.object({ ok: z.literal(true), status: z.number().int(), payload: z.unknown() }),
  z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);
type Reply = z.infer<typeof Reply>;

/** Direct methods across cloud instances (see {@link createRemoteMethods}). */
export interface RemoteMethods {
  /** The gateway the method service uses: the local endpoint, or the instance holding the client's connection. */
  readonly gateway: DeviceGateway;
  close(): void;
}

export interface RemoteMethodsDeps {
  readonly nc: NatsConnection;
  readonly names: BusNames;
  readonly bus: EventBus;
  readonly instanceId: string;
  /** The local device endpoint's gateway, once it runs. */
  readonly local: () => DeviceGateway | undefined;
  readonly log: Logger;
}

/**
 * While a client is connected here, this instance subscribes to `<p>.client.<id>` and answers requests for it
 * there (a ping, or a method to invoke through the local endpoint). An instance asked for a method on a client it
 * does not hold sends the request to that subject: the holder's answer (its `{ status, payload }` or its error) is
 * returned as is, and NATS's "no responders" means the client is connected nowhere (404, as IoT Hub answers).
 * While this instance's NATS connection is down, a client it does not hold may be connected to another instance:
 * the question fails with CLD_BUS_UNAVAILABLE (503), never a 404 that calls an online device offline.
 */
export function createRemoteMethods(d: RemoteMethodsDeps): RemoteMethods {
  const held = new Map<string, Subscription>();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const link = followBusLink(d.nc);

  const release = (subject: string): void => {
    held.get(subject)?.unsubscribe();
    held.delete(subject);
  };
  const hold = (id: ClientIdentity): void => {
    const subject = d.names.client(id);
    if (held.has(subject)) return;
    held.set(subject, d.nc.subscribe(subject, { callback: (err, msg) => (err === null ? void answer(id, subject, msg) : d.log.error({ err }, 'method handover subscription failed')) }));
  };

  const answer = async (id: ClientIdentity, subject: string, msg: Msg): Promise<void> => {
    const request = parse(Request, decoder.decode(msg.data));
    const local = d.local();
    if (local === undefined || !(await local.isConnected(id))) {
      release(subject); // stale: the client left without this instance seeing it; let the holder (if any) answer
      return;
    }
    if (request === undefined) return void msg.respond(encoder.encode(JSON.stringify(failure('INTERNAL_ERROR', 'malformed handover request'))));
    const reply = request.kind === 'ping' ? { ok: true as const, status: 200, payload: null } : await invokeHere(local, id, request);
    msg.respond(encoder.encode(JSON.stringify(reply)));
  };

  const unsubscribe = d.bus.subscribe('connectionChanged', (e) => {
    if (e.instanceId === d.instanceId && e.connected) hold(e.id);
    else release(d.names.client(e.id)); // gone here, or taken over by another instance
  });

  const unreachable = (id: ClientIdentity): VergeError =>
    new VergeError('CLD_BUS_UNAVAILABLE', `the bus (NATS) is unreachable: cannot ask the other cloud instances whether ${describe(id)} is connected to one of them`, {
      details: { deviceId: id.deviceId, ...(id.moduleId === undefined ? {} : { moduleId: id.moduleId }) },
    });

  const ask = async (id: ClientIdentity, request: Request, timeoutMs: number): Promise<Reply | undefined> => {
    if (!link.connected()) throw unreachable(id);
    try {
      const msg = await d.nc.request(d.names.client(id), encoder.encode(JSON.stringify(request)), { timeout: timeoutMs });
      return parse(Reply, decoder.decode(msg.data)) ?? failure('INTERNAL_ERROR', 'malformed handover reply');
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '503') return undefined; // no responders: connected nowhere
      if (!link.connected()) throw unreachable(id); // the link went down while the request waited
      // No answer: a hung holder, or a link that only looks up (the server no longer answers this instance).
      if (code === 'TIMEOUT' && !(await link.answers(PING_TIMEOUT_MS))) throw unreachable(id);
      if (code === 'TIMEOUT') return failure('CLD_METHOD_TIMEOUT', `the cloud instance holding the connection did not answer within ${timeoutMs} ms`);
      throw err;
    }
  };

  const gateway: DeviceGateway = {
    async isConnected(id) {
      if ((await d.local()?.isConnected(id)) === true) return true;
      return (await ask(id, { kind: 'ping' }, PING_TIMEOUT_MS))?.ok === true;
    },
    async invokeMethod(id, methodName, payload, timeoutMs): Promise<MethodResult> {
      const local = d.local();
      if (local !== undefined && (await local.isConnected(id))) return local.invokeMethod(id, methodName, payload, timeoutMs);
      const reply = await ask(id, { kind: 'invoke', methodName, payload: payload ?? null, timeoutMs }, timeoutMs + HANDOVER_MARGIN_MS);
      if (reply === undefined) throw new VergeError('CLD_DEVICE_NOT_CONNECTED', `${describe(id)} is not connected to any cloud instance`, { details: { methodName } });
      if (reply.ok) return { status: reply.status, payload: reply.payload };
      throw new VergeError(isErrorCode(reply.code) ? reply.code : 'INTERNAL_ERROR', reply.message, { details: { methodName } });
    },
  };

  return {
    gateway,
    close() {
      unsubscribe();
      for (const subject of [...held.keys()]) release(subject);
    },
  };
}

async function invokeHere(local: DeviceGateway, id: ClientIdentity, r: Extract<Request, { kind: 'invoke' }>): Promise<Reply> {
  try {
    const result = await local.invokeMethod(id, r.methodName, r.payload, r.timeoutMs);
    return { ok: true, status: result.status, payload: result.payload };
  } catch (e) {
    return e instanceof VergeError ? failure(e.code, e.message) : failure('INTERNAL_ERROR', 'the method could not be invoked');
  }
}

function failure(code: string, message: string): Reply {
  return { ok: false, code, message };
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorRegistry, code);
}

function describe(id: ClientIdentity): string {
  return id.moduleId === undefined ? `device '${id.deviceId}'` : `module '${id.deviceId}/${id.moduleId}'`;
}

function parse<T>(schema: z.ZodType<T>, text: string): T | undefined {
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
