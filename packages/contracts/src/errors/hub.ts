import { defineErrors } from './define.js';

/**
 * Error codes of the edge hub (store-and-forward, endpoints). Codes are API: deprecate, never rename.
 */
export const hubErrors = defineErrors({
  HUB_STORE_FULL: {
    status: 507,
    description:
      "The edge hub's message store reached its size limit (bodies and properties of the stored messages); the message was refused and not acknowledged. Space frees as queued messages are delivered or expire.",
  },
  HUB_STORE_WRITE_FAILED: {
    status: 503,
    description:
      "The edge hub's message store could not persist a write (I/O error, disk full); the message was not acknowledged and nothing of it was stored.",
  },
  HUB_STORE_CLOSED: { status: 503, description: "The edge hub's message store is closed (the hub is shutting down)." },
  HUB_STORE_ARGUMENT_INVALID: {
    status: 500,
    description:
      'A message-store call broke its contract (no delivery, the same endpoint twice, a bad endpoint id, priority, TTL, offset or batch size): a programming error in the caller.',
  },
  HUB_PUMP_DUPLICATE: {
    status: 500,
    description: 'An endpoint was given a second delivery pump while its first one still runs (a programming error: remove the old pump first).',
  },
  HUB_STORE_OPTIONS_INVALID: {
    status: 400,
    description: 'A message-store option is out of range (e.g. a size limit that is not a positive integer).',
  },
});
