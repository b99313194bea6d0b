import { isIP } from 'node:net';
import { type ServerTls } from '@verge/iothub-mqtt';
import { moduleNetworkHostName } from '../../module-network-host.js';
import { issueServerCert, type CertificateAuthority, type IssuedCertificate } from '@verge/platform';

/** Validity of the hub's server certificate; it is renewed when a third of it is left. */
export const HUB_SERVER_CERT_DAYS = 90;

/**
 * The names the hub's server certificate covers (reference azure-iot-edge.md §5.1; azure-sdk-protocol.md §0.2): the
 * gateway host name modules and leaves dial (a DNS SAN, or an IP SAN when it is an address), plus `localhost` and
 * `127.0.0.1` for clients on the device itself, and the name container modules on the module network dial
 * (`moduleNetworkHostName`: the host name itself, or `edgehub` when it is `localhost` or an address).
 */
export function serverCertNames(hostname: string): { commonName: string; dnsNames: string[]; ipAddresses: string[] } {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1']);
  if (isIP(hostname) === 0) dns.add(hostname);
  else ips.add(hostname);
  dns.add(moduleNetworkHostName(hostname));
  return { commonName: hostname, dnsNames: [...dns], ipAddresses: [...ips] };
}

/** Issues the hub's server certificate from the edge CA; the chain (leaf + CA chain) is what TLS sends. */
export async function issueHubServerCert(ca: CertificateAuthority, hostname: string, now?: Date): Promise<IssuedCertificate> {
  return issueServerCert({ ca, ...serverCertNames(hostname), validityDays: HUB_SERVER_CERT_DAYS, ...(now === undefined ? {} : { now }) });
}

/** The TLS material of an issued certificate. */
export function tlsOf(cert: IssuedCertificate): ServerTls {
  return { key: cert.privateKeyPem, cert: cert.chainPem };
}

/** When to renew a certificate: once two thirds of its validity have passed (iotedge renews before expiry, §5.1). */
export function renewAtMs(cert: Pick<IssuedCertificate, 'notBefore' | 'notAfter'>): number {
  const from = cert.notBefore.getTime();
  const to = cert.notAfter.getTime();
  return from + ((to - from) * 2) / 3;
}
