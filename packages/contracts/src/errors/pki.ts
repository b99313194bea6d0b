import { defineErrors } from './define.js';

/** Error codes of the pki area (CAs, certificates and keys on disk). Codes are API: deprecate, never rename. */
export const pkiErrors = defineErrors({
  PKI_PARAMETER_INVALID: {
    status: 400,
    description:
      'An argument of a certificate helper is invalid (empty or over-long common name, validity not a positive number of days, malformed DNS name or IP address, negative path length); the message names the argument and the rule.',
  },
  PKI_PEM_INVALID: {
    status: 400,
    description: 'A PEM text holds no certificate, or a certificate or private key in it cannot be parsed; the message names the source.',
  },
  PKI_ISSUER_EXPIRED: {
    status: 503,
    description:
      'A certificate was asked of a CA that has expired (e.g. an edge CA past its notAfter while the runtime kept running): a certificate it issued would be expired already, so none is issued. The message names the CA and when it expired; renew the CA (the edge runtime renews its own at start).',
  },
  PKI_FILE_INVALID: {
    status: 400,
    description:
      'A certificate or key file cannot be used: missing partner file, unreadable, key not matching the certificate, not a CA, or expired; the message names the file and the problem.',
  },
});
