import type { Message } from '@verge/contracts';
import { isVergeError } from '@verge/contracts';
import { compileRoute, createRouteEvaluationContext } from '@verge/core';
import type { RouteConditionResult, RouteCompileError } from '@verge/core';

/** Builds a message; a string body is UTF-8 encoded. */
export function message(init: {
  body?: string | Uint8Array;
  properties?: Record<string, string>;
  systemProperties?: Record<string, string>;
} = {}): Message {
  const body = typeof init.body === 'string' ? new TextEncoder().encode(init.body) : (init.body ?? new Uint8Array());
  return { body, properties: init.properties ?? {}, systemProperties: init.systemProperties ?? {} };
}

/** A UTF-8 application/json message whose body is `body` (serialised unless already a string). */
export function jsonMessage(body: unknown, properties: Record<string, string> = {}, systemProperties: Record<string, string> = {}): Message {
  return message({
    body: typeof body === 'string' ? body : JSON.stringify(body),
    properties,
    systemProperties: { contentType: 'application/json', contentEncoding: 'utf-8', ...systemProperties },
  });
}

/** Compiles `FROM <from> WHERE <condition> INTO $upstream` and evaluates the condition on `msg`. */
export function evaluate(condition: string, msg: Message, from = '/messages/*'): RouteConditionResult {
  const route = compileRoute('r', `FROM ${from} WHERE ${condition} INTO $upstream`);
  return route.condition.evaluate(createRouteEvaluationContext(msg));
}

/** The errors compiling `text` as route `name` reports (fails the test if it compiles). */
export function routeErrors(text: string, name = 'r'): RouteCompileError[] {
  try {
    compileRoute(name, text);
  } catch (e) {
    if (!isVergeError(e)) throw e;
    return (e.details as { errors: RouteCompileError[] }).errors;
  }
  throw new Error(`route compiled: ${text}`);
}

/** The first error of a condition that must not compile, as `code: message`. */
export function conditionError(condition: string, from = '/messages/*'): string {
  const [first] = routeErrors(`FROM ${from} WHERE ${condition} INTO $upstream`);
  return `${first?.code}: ${first?.message}`;
}
