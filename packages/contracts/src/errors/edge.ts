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
  EDGE_START_FAILED: {
    status: 500,
    description: 'A part of the edge runtime (workload API, edge hub, agent, management API) failed to start; everything already started was stopped again. The message names the part and the cause.',
  },
});
