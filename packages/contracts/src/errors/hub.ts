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
  HUB_TWIN_UNAVAILABLE: {
    status: 503,
    description:
      'The edge hub cannot serve the twin: the cloud is unreachable (or did not answer in time) and no copy of this twin is cached yet. Retry once the edge device is online.',
  },
  HUB_TWIN_PENDING_FULL: {
    status: 429,
    description:
      "The edge hub holds the most reported-properties patches it keeps for one client until they reach the cloud (after merging those that combine into one); the patch was refused. Retry once the edge device is back online and the patches held have been synced.",
  },
  HUB_CLIENT_NOT_CONNECTED: {
    status: 404,
    description: 'A direct method (or cloud-to-device message) was sent through the edge hub to a module or leaf device that is not connected to it, or not subscribed to direct methods.',
  },
  HUB_METHOD_TIMEOUT: {
    status: 504,
    description: 'A module or leaf device connected to the edge hub did not answer a direct method in time.',
  },
  HUB_OPTIONS_INVALID: {
    status: 400,
    description: 'An edge hub option is missing or out of range (port, host names, TTL, intervals); the message names the option and the rule.',
  },
  HUB_DISK_LOW: {
    status: 507,
    description:
      "The disk holding the edge hub's message store has less free space than the hub keeps in reserve (so that delivered messages can always be retired); new messages are refused and not acknowledged until space returns. Nothing already stored is lost or resent.",
  },
  HUB_DEAD_LETTER_SENDER_UNKNOWN: {
    status: 404,
    description: 'A dead-letter replay named a sender that has no parked messages (see `verge edge dead-letters`).',
  },
  HUB_METHOD_REQUEST_INVALID: {
    status: 400,
    description:
      "A direct-method call to the edge hub's HTTPS endpoint (`POST /twins/{d}[/modules/{m}]/methods`) has a bad body: not JSON, no `methodName`, or a timeout outside IoT Hub's bounds (`responseTimeoutInSeconds` 5–300, `connectTimeoutInSeconds` 0–300).",
  },
  HUB_METHOD_CALLER_UNAUTHORIZED: {
    status: 401,
    description:
      "A direct-method call to the edge hub's HTTPS endpoint has no valid SAS token in `Authorization` (missing, malformed, expired, or not signed with the calling module's key).",
  },
  HUB_METHOD_CALLER_FORBIDDEN: {
    status: 403,
    description:
      "A direct-method call to the edge hub's HTTPS endpoint came from an identity that may not call it (only modules deployed on this edge device may), or named a target this hub does not serve (another device's module, the edge device itself, a device outside its scope).",
  },
  HUB_SCOPE_SYNC_FAILED: {
    status: 502,
    description: "The edge hub could not sync its device scope (leaf devices and their keys) from the cloud; it keeps authenticating leaves from its cached copy and retries.",
  },
});
