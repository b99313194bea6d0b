import type { Message } from '@verge/contracts';
import { bodyValue, lookupNode, parseBody } from './body.js';
import type { BodyDocument, BodyNode, BodyPath } from './body.js';
import { equalsIgnoreCase } from './invariant-text.js';

/**
 * One message as route conditions see it. Built once per message and shared by every route, so the body is
 * decoded at most once. Property names are matched case-insensitively, as edgeHub keeps both property bags in
 * `OrdinalIgnoreCase` dictionaries (`city` finds the property `City`).
 */
export interface RouteEvaluationContext {
  readonly message: Message;
  /** Application property, looked up case-insensitively. */
  appProperty(name: string): string | undefined;
  /** System property by internal name, looked up case-insensitively. */
  systemProperty(name: string): string | undefined;
  /** Value of a `$body` path (JSON primitive, null when missing, undefined for objects or an unusable body). */
  bodyValue(path: BodyPath): boolean | number | string | null | undefined;
  /** Raw lookup of a body path (for `twin_change_includes`). */
  bodyNode(path: BodyPath): BodyNode;
  /** The decoded body, or why it cannot be queried. */
  body(): BodyDocument;
}

type Bag = Readonly<Record<string, string>>;

// Exact key first; otherwise a scan comparing keys case-insensitively. Bags are small (a few to a few dozen
// keys), so a scan without allocation beats building an index per message. Object.hasOwn keeps prototype
// members such as `constructor` out.
function lookup(bag: Bag, name: string): string | undefined {
  if (Object.hasOwn(bag, name)) return bag[name];
  for (const key in bag) {
    if (key.length === name.length && Object.hasOwn(bag, key) && equalsIgnoreCase(key, name)) return bag[key];
  }
  return undefined;
}

class MessageContext implements RouteEvaluationContext {
  readonly message: Message;
  #body: BodyDocument | undefined;

  constructor(message: Message) {
    this.message = message;
  }

  appProperty(name: string): string | undefined {
    return lookup(this.message.properties, name);
  }

  systemProperty(name: string): string | undefined {
    return lookup(this.message.systemProperties, name);
  }

  body(): BodyDocument {
    if (this.#body === undefined) {
      const contentType = this.systemProperty('contentType');
      const contentEncoding = this.systemProperty('contentEncoding');
      this.#body = parseBody(this.message.body, contentType, contentEncoding);
    }
    return this.#body;
  }

  bodyValue(path: BodyPath): boolean | number | string | null | undefined {
    return bodyValue(this.body(), path);
  }

  bodyNode(path: BodyPath): BodyNode {
    return lookupNode(this.body(), path);
  }
}

/** Creates the per-message view that compiled conditions evaluate against. Cheap: everything is lazy. */
export function createRouteEvaluationContext(message: Message): RouteEvaluationContext {
  return new MessageContext(message);
}
