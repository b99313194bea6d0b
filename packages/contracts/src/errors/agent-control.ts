import { defineErrors } from './define.js';

/**
 * Error codes of the edge agent's control side: its state files, module identities in the cloud, its direct
 * methods and its local management API (the runtimes' codes are in agent.ts). Codes are API: deprecate, never rename.
 */
export const agentControlErrors = defineErrors({
  AGT_STATE_FILE_INVALID: {
    status: 500,
    description:
      "An agent state file under the data directory (restart ledger, desired-state backup, module identity cache) cannot be read or parsed; the message names the file. The agent starts without it and rewrites it.",
  },
  AGT_IDENTITY_REQUEST_FAILED: {
    status: 502,
    description:
      'A module identity request to the cloud (list, create, update keys, delete under /devices/{edge}/modules) failed or was refused; it is retried on the next reconcile pass.',
  },
  AGT_IDENTITY_MISSING: {
    status: 503,
    description:
      "A module cannot be created yet: its module identity (and so its generation id and derived key) is not known, because the cloud has not been reached since it was deployed. Retried with backoff.",
  },
  AGT_METHOD_UNKNOWN: {
    status: 400,
    description: 'A direct method called on $edgeAgent is not one it supports (ping, RestartModule, GetModuleLogs); answered 400 as edgeAgent does.',
  },
  AGT_METHOD_PAYLOAD_INVALID: {
    status: 400,
    description: 'A direct method payload of $edgeAgent is not the JSON the method expects; the message names the field and the rule broken.',
  },
  AGT_MODULE_NOT_FOUND: {
    status: 404,
    description: 'No module with this id runs on the edge device (RestartModule, the management API).',
  },
  AGT_MODULE_NOT_RUNNING: {
    status: 409,
    description: 'The module cannot be restarted because it is not running (RestartModule restarts running modules only, as edgeAgent).',
  },
  AGT_MANAGEMENT_REQUEST_INVALID: {
    status: 400,
    description: 'A management API request has an invalid query parameter (e.g. tail not a non-negative integer); the message names it.',
  },
  AGT_MANAGEMENT_ROUTE_NOT_FOUND: { status: 404, description: 'No management API route has this method and path.' },
  AGT_MANAGEMENT_UNREACHABLE: {
    status: 503,
    description:
      "The edge runtime's management socket (DIR/mgmt.sock) cannot be reached: the runtime is not started with this data directory, or the socket is not accessible to this user.",
  },
});
