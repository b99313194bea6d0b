import { parseOutboundTopic, topics, type OutboundTopic } from '@verge/contracts';
import type { Listeners } from './listeners.js';
import type { InputMessage, ReceivedMessage } from './messages.js';
import type { DeviceClientLog } from './options.js';
import type { TwinRequests } from './twin-requests.js';
import type { MethodHandler, MethodResponse } from './types.js';

/** What the inbound dispatcher delivers to. */
export interface InboundTargets {
  readonly deviceId: string;
  readonly moduleId: string | undefined;
  readonly requests: TwinRequests;
  readonly desired: Listeners<[Record<string, unknown>, number | undefined]>;
  readonly c2d: Listeners<[ReceivedMessage], void | Promise<void>>;
  readonly inputs: Listeners<[InputMessage], void | Promise<void>>;
  methodHandler(): MethodHandler | undefined;
  /** Publishes a method response (QoS 0) on the current connection, if any. */
  respond(topic: string, payload: string): void;
  error(err: Error): void;
  readonly log: DeviceClientLog;
}

/**
 * Routes one inbound PUBLISH by its topic (contracts `parseOutboundTopic`). For QoS 1 deliveries the returned
 * promise settles when every listener did (the PUBACK waits for it). A topic that does not parse, or that names
 * another identity, is reported as an `error` event and acknowledged (redelivering it cannot help).
 */
export function dispatchInbound(t: InboundTargets, topic: string, payload: Buffer): void | Promise<void> {
  let parsed: OutboundTopic;
  try {
    parsed = parseOutboundTopic(topic);
  } catch (e) {
    t.error(e instanceof Error ? e : new Error(String(e)));
    return;
  }
  switch (parsed.kind) {
    case 'twinResponse':
      t.requests.answer(parsed.rid, { status: parsed.status, body: payload, ...(parsed.version === undefined ? {} : { version: parsed.version }) });
      return;
    case 'twinDesiredPatch':
      return deliverDesired(t, payload, parsed.version);
    case 'methodRequest':
      void answerMethod(t, parsed.methodName, parsed.rid, payload);
      return;
    case 'c2d': {
      if (parsed.deviceId !== t.deviceId) return t.error(new Error(`C2D message for device '${parsed.deviceId}' received by '${t.deviceId}'`));
      const message: ReceivedMessage = { body: payload, properties: parsed.properties, systemProperties: parsed.systemProperties };
      return settleAll(t.c2d.call(message));
    }
    case 'moduleInput': {
      if (parsed.deviceId !== t.deviceId || parsed.moduleId !== t.moduleId) return t.error(new Error(`input message for '${parsed.deviceId}/${parsed.moduleId}' received by '${t.deviceId}/${t.moduleId ?? ''}'`));
      const message: InputMessage = { inputName: parsed.inputName, body: payload, properties: parsed.properties, systemProperties: parsed.systemProperties };
      return settleAll(t.inputs.call(message));
    }
    default: {
      const never: never = parsed;
      return never;
    }
  }
}

async function settleAll(results: (void | Promise<void>)[]): Promise<void> {
  await Promise.all(results);
}

function deliverDesired(t: InboundTargets, payload: Buffer, topicVersion: number | undefined): void {
  let patch: unknown;
  try {
    patch = JSON.parse(payload.toString('utf8'));
  } catch {
    return t.error(new Error('desired-property patch is not JSON'));
  }
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return t.error(new Error('desired-property patch is not a JSON object'));
  const body = patch as Record<string, unknown>;
  const version = topicVersion ?? (typeof body['$version'] === 'number' ? body['$version'] : undefined);
  try {
    t.desired.call(body, version);
  } catch (e) {
    t.log.warn({ err: e }, 'desired-patch listener threw');
  }
}

function parseMethodPayload(payload: Buffer): unknown {
  const text = payload.toString('utf8');
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function answerMethod(t: InboundTargets, methodName: string, rid: string, payload: Buffer): Promise<void> {
  const handler = t.methodHandler();
  let response: MethodResponse;
  if (handler === undefined) {
    response = { status: 501, payload: { message: `method '${methodName}' is not implemented` } };
  } else {
    try {
      response = await handler({ methodName, payload: parseMethodPayload(payload), rid });
    } catch (e) {
      t.log.warn({ err: e, methodName }, 'method handler failed');
      response = { status: 500, payload: { message: e instanceof Error ? e.message : String(e) } };
    }
  }
  let status = Number.isSafeInteger(response.status) ? response.status : 500;
  let body: string;
  try {
    body = JSON.stringify(response.payload ?? null);
  } catch (e) {
    status = 500;
    body = JSON.stringify({ message: `the method response payload cannot be serialized: ${e instanceof Error ? e.message : String(e)}` });
  }
  t.respond(topics.methodResponse(status, rid), body);
}
