import type { InboundTopic } from '@verge/contracts';
import { authorizePublish, type AuthzResult, type ClientIdentity } from '@verge/core';

/**
 * `authorizePublish` with the connection's last accepted telemetry topic remembered (issue 8). A module sends most
 * messages to one output with the same properties, so the same topic string comes again and again; parsing it and
 * its property bag each time (split, percent-decoding, system property names: about a fifth of the front door's
 * CPU per message) is skipped when the topic and the identity are the previous ones. Only accepted telemetry is
 * kept (twin and method topics carry a new `$rid` each time). Every message of that topic shares the parsed property
 * objects, so they are frozen: the `Message` model declares them read-only, and a write would throw, not leak.
 */
export class PublishTopicCache {
  private topic: string | undefined;
  private identity: ClientIdentity | undefined;
  private result: AuthzResult<InboundTopic> | undefined;

  authorize(identity: ClientIdentity, topic: string): AuthzResult<InboundTopic> {
    if (topic === this.topic && identity === this.identity && this.result !== undefined) return this.result;
    const result = authorizePublish(identity, topic);
    if (result.ok && result.value.kind === 'telemetry') {
      Object.freeze(result.value.systemProperties);
      Object.freeze(result.value.properties);
      Object.freeze(result.value);
      this.topic = topic;
      this.identity = identity;
      this.result = Object.freeze(result);
    }
    return result;
  }
}
