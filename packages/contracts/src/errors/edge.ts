import { defineErrors } from './define.js';

/**
 * Error codes of the edge runtime's composition root (`verge edge start`: configuration, edge CA, runtime choice).
 * Codes are API: deprecate, never rename.
 */
export const edgeErrors = defineErrors({
  EDGE_CONFIG_INVALID: {
    status: 400,
    description:
      'The edge runtime configuration is invalid (flags or environment): the message names every field and the rule it breaks, e.g. a connection string that is not an edge device connection string with SharedAccessKey.',
  },
  EDGE_CA_INVALID: {
    status: 500,
    description:
      "The edge CA under the data directory (pki/edge-ca.pem, pki/edge-ca.key.pem) cannot be read or does not parse; the message names the file. Move the pki directory aside to create a new CA (leaf devices must then trust the new one).",
  },
  EDGE_CLOUD_CA_INVALID: {
    status: 400,
    description: 'The file given with --cloud-ca cannot be read or holds no PEM certificate.',
  },
  EDGE_RUNTIME_UNAVAILABLE: {
    status: 503,
    description:
      '`--runtime docker` was asked but the Docker engine cannot be addressed: DOCKER_HOST uses an unsupported scheme (only unix:// and tcp://), or the TLS files of DOCKER_CERT_PATH cannot be read. (An engine that merely does not answer yet is waited for.) Fix DOCKER_HOST or use `--runtime process`.',
  },
  EDGE_PORT_IN_USE: {
    status: 409,
    description: 'The edge hub cannot listen on `--mqtt-port` or `--https-port` (with `--bind`): another process (another edge runtime, an MQTT broker, a web server) already listens there, or the port needs privileges (below 1024: root or CAP_NET_BIND_SERVICE). The message names the flag; stop that process or choose another port.',
  },
  EDGE_METRICS_PORT_IN_USE: {
    status: 409,
    description:
      'The Prometheus `/metrics` listener cannot listen on the `--metrics-port` given (with `--metrics-bind`): another process already listens there, the address is not one of this host, or the port needs privileges. The message names the flag; choose another port or `--metrics-port 0` (a free port). The default port (9600) being taken is only logged: the runtime then starts without metrics.',
  },
  EDGE_SUPPORT_BUNDLE_FAILED: {
    status: 500,
    description: '`verge edge support-bundle` could not write its archive (`--out` is not writable, or a directory); the message names the file and the cause. Parts it cannot collect (a stopped runtime, a module without logs) are noted inside the archive instead.',
  },
  EDGE_DATA_DIR_UNWRITABLE: {
    status: 500,
    description: 'The data directory (`--data`) or a directory inside it cannot be created or written (permission denied, read-only file system, a file in the way, disk full); the message names the directory and the cause.',
  },
  EDGE_DATA_DIR_IN_USE: {
    status: 409,
    description:
      'Another edge runtime is running on the same data directory (`--data`): a runtime holds `runtime.lock` in its data directory from start to stop (the OS releases it when the process dies), so a second one stops before touching anything there (workload sockets, queues). Stop that runtime or choose another data directory.',
  },
  EDGE_CLOUD_CREDENTIALS_REJECTED: {
    status: 401,
    description:
      "At start, the cloud refused the edge device's credentials (401/403): the connection string's key is wrong or was regenerated, the device is disabled or does not exist, or it is not an IoT Edge device (`capabilities.iotEdge`); or the key is one the cloud accepts but not the device's primary key (the secondary key), from which the keys of its modules derive. Nothing was started; fix the connection string (`verge edge config apply`).",
  },
  EDGE_CLOUD_TLS_UNTRUSTED: {
    status: 502,
    description:
      "At start, the cloud's TLS certificate did not verify against `--cloud-ca` (or the system CAs without it): a wrong CA file, or a host name that is not on the certificate. Nothing was started. (A cloud that merely does not answer is not an error: the runtime starts offline.)",
  },
  EDGE_CONFIG_FILE_INVALID: {
    status: 400,
    description:
      'The edge configuration file (`verge edge config apply --config FILE`, or the one installed in the data directory) cannot be read, is not JSON, or breaks the schema; the message names the file, the field and the rule.',
  },
  EDGE_START_FAILED: {
    status: 500,
    description: 'A part of the edge runtime (workload API, edge hub, agent, management API) failed to start; everything already started was stopped again. The message names the part and the cause.',
  },
});
