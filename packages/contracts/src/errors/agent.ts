import { defineErrors } from './define.js';

/**
 * Error codes of the edge agent: module runtimes (Docker, processes), image pulls and the workload API.
 * Codes are API: deprecate, never rename.
 */
export const agentErrors = defineErrors({
  AGT_RUNTIME_UNAVAILABLE: {
    status: 503,
    description:
      'The module runtime cannot be reached (the Docker engine socket refuses connections, is missing or denies access); nothing can be done until it is back, so the agent backs off the whole reconcile pass.',
  },
  AGT_RUNTIME_MODULE_NOT_FOUND: {
    status: 404,
    description: 'The runtime holds no module with this id (it was never created, or was removed meanwhile).',
  },
  AGT_RUNTIME_MODULE_EXISTS: {
    status: 409,
    description: 'A module with this id already exists in the runtime; remove it before creating it again.',
  },
  AGT_RUNTIME_NAME_CONFLICT: {
    status: 409,
    description:
      'The container name a module needs is taken by a container this runtime does not own (no owner label of this runtime); rename or remove that container, or rename the module. When another Verge edge runtime on the same engine holds it, give each runtime its own `--container-prefix`.',
  },
  AGT_RUNTIME_SPEC_INVALID: {
    status: 400,
    description:
      'A module spec cannot be run by this runtime: wrong module type for the runtime, or createOptions whose fields have the wrong JSON type (e.g. `Env` not an array of strings, `Labels` not an object of strings).',
  },
  AGT_RUNTIME_OPERATION_FAILED: {
    status: 500,
    description: 'The module runtime refused or failed an operation (create, start, stop, remove, logs); the message carries the engine\'s own words.',
  },
  AGT_RUNTIME_STATE_INVALID: {
    status: 500,
    description:
      "The process runtime's state file under the data directory cannot be read or parsed; the message names the file. Move it aside to start with no process modules.",
  },
  AGT_MODULE_COMMAND_NOT_FOUND: {
    status: 400,
    description:
      'The program of a module does not exist or cannot be executed (spawn ENOENT/EACCES, or the container entrypoint is not in the image); the module is reported exited and not retried before the next deployment.',
  },
  AGT_MODULE_USER_CANNOT_ACCESS: {
    status: 400,
    description:
      "A process module runs as its own unprivileged user (`--process-user dedicated`, the default as root) and that user cannot reach its program, an argument file or its working directory (a directory on the way is not searchable, or the file not readable, for that uid; e.g. a clone under /root, mode 0700). It is not started, is reported exited (code 126) and is not retried before the next deployment. Move the program where that user can read it, or start the runtime with `--process-user runtime` (config `processUser`).",
  },
  AGT_IMAGE_REFERENCE_INVALID: {
    status: 400,
    description: 'The engine rejected an image reference as malformed.',
  },
  AGT_IMAGE_PULL_UNAUTHORIZED: {
    status: 401,
    description:
      'The registry refused the pull: no or wrong credentials (`registryCredentials` whose `address` is the image\'s registry host), or access denied.',
  },
  AGT_IMAGE_NOT_FOUND: {
    status: 404,
    description: 'The registry has no such image or tag (manifest unknown, repository does not exist).',
  },
  AGT_IMAGE_PULL_FAILED: {
    status: 502,
    description: 'An image pull failed for a reason that may pass (registry unreachable, DNS, TLS, timeout, interrupted download); it is retried with backoff.',
  },
  AGT_MODULE_NETWORK_UNUSABLE: {
    status: 503,
    description:
      'A container module cannot join the module network (`--module-network`, default `azure-iot-edge`): the engine cannot create or inspect it, it has no IPv4 gateway address, or the edge hub cannot listen on that address (port 8883 or 443 taken, e.g. by another edge runtime on the same network: give each runtime its own network; or a server bound to 0.0.0.0:443 while `--https-port` is another port). The message names the network and the cause; the step is retried.',
  },
  AGT_WORKLOAD_URI_INVALID: {
    status: 400,
    description:
      'A workload API URI is not `unix:///absolute/path.sock` or `http://<loopback address>:<port>`, or a per-module socket path is longer than a unix socket path may be (107 bytes).',
  },
  AGT_WORKLOAD_API_VERSION_INVALID: {
    status: 400,
    description:
      'A workload API request has no `api-version` query parameter, an unknown one, or one older than the route requires (accepted: 2018-06-28 … 2022-08-03).',
  },
  AGT_WORKLOAD_REQUEST_INVALID: {
    status: 400,
    description: 'A workload API request body is not the JSON the route expects; the message names the field and the rule broken.',
  },
  AGT_WORKLOAD_ROUTE_NOT_FOUND: {
    status: 404,
    description: 'No workload API route has this method and path.',
  },
  AGT_WORKLOAD_MODULE_NOT_FOUND: {
    status: 404,
    description: 'The workload API knows no module with this id and generation id (not deployed, or a stale generation).',
  },
  AGT_WORKLOAD_FORBIDDEN: {
    status: 403,
    description: "A module's own workload socket was asked to act for another module; a module may only sign and get certificates for itself.",
  },
  AGT_WORKLOAD_BODY_TOO_LARGE: {
    status: 413,
    description: 'A workload API request body is larger than the API accepts.',
  },
});
