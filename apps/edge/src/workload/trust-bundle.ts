import { splitPemCertificates, type CertificateAuthority } from '@verge/platform';

/**
 * The PEM text of `GET /trust-bundle` (reference §7.1; the SDK sets it as `ca` for MQTT and for invokeMethod):
 * the edge CA and the CAs above it, which modules need to verify the edge hub's server certificate, then the
 * `extra` certificates, each once, in that order.
 *
 * Decision: the runtime passes its cloud CA (`--cloud-ca`) as `extra`. edged's bundle is the configured
 * `trust_bundle_cert`; IoT Hub's public roots come from the OS store there, but a self-hosted Verge cloud has its
 * own CA that no module image trusts, and a module talking to the cloud directly (no `IOTEDGE_GATEWAYHOSTNAME`, or
 * a nested parent) needs it. It adds trust only in a CA the runtime itself already trusts.
 */
export function buildTrustBundle(edgeCa: CertificateAuthority, extra: readonly string[] = []): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const pem of [edgeCa.certificatePem, ...edgeCa.issuerChainPem, ...extra].flatMap((text) => splitPemCertificates(text))) {
    const key = pem.replace(/\s+/g, '');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(pem);
  }
  return out.join('');
}
