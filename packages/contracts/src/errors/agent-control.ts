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
  AGT_HUB_NOT_CONFIGURED: {
    status: 503,
    description:
      "A module is not started yet because the edge hub has no route table for the deployment (neither from its `$edgeHub` twin nor from its cached configuration); modules start after the hub is configured, as edgeAgent starts edgeHub first. Retried with backoff.",
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
  AGT_MODULE_NOT_CREATED: {
    status: 409,
    description:
      'The module is deployed (`verge edge list` shows it) but the runtime has not created it yet, e.g. its image is being pulled, its identity is not known yet, or its name is taken by a container Verge does not manage; the message carries its status. It has no logs yet and nothing to restart: the agent creates and starts it.',
  },
  AGT_SYSTEM_MODULE_IN_PROCESS: {
    status: 409,
    description:
      "`edgeAgent` and `edgeHub` run inside the edge runtime process, not as modules of their own: their log is the runtime's own output, and restarting them means restarting the runtime (`verge edge start`).",
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
