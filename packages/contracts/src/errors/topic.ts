import { defineErrors } from './define.js';

/** Error codes of the topic area (IoT Hub MQTT topics and property bags). Codes are API: deprecate, never rename. */
export const topicErrors = defineErrors({
  TOPIC_INVALID: {
    status: 400,
    description:
      'An MQTT topic or subscription filter is not part of the IoT Hub MQTT surface, or one of its parts is invalid; the message names the topic and the rule.',
  },
  TOPIC_PROPERTY_BAG_INVALID: {
    status: 400,
    description:
      'An MQTT property bag (`k=v&k2=v2`) is malformed (empty name, literal `=` in a value, misplaced `/`) or cannot be encoded; the message names the offset or key.',
  },
});
