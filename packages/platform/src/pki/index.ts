export { createCa, loadCa, type CertificateAuthority, type CreateCaOptions } from './certificate-authority.js';
export { issueServerCert, issueClientCert, type IssuedCertificate, type IssueServerCertOptions, type IssueClientCertOptions } from './issue.js';
export { certificateThumbprint, thumbprintsOfDer, normalizeThumbprint, thumbprintMatches, type CertificateThumbprints } from './thumbprint.js';
export { ensureCloudPki, type EnsureCloudPkiOptions, type CloudPki } from './ensure-cloud-pki.js';
export { splitPemCertificates } from './pem.js';
export type { KeyAlgorithm } from './key-algorithm.js';
export { OPTIONAL_CLIENT_CERTIFICATE, peerCertificateOf, type TlsPeerCertificate } from './peer-certificate.js';
