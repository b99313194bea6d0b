import type { ConnectFailure, FleetStats } from '@verge/simulator';

/** One status line of `verge simulate`: connections, deployment outcomes, reports and churn. */
export function formatFleetStats(s: FleetStats): string {
  const parts = [
    `registered ${s.registered}/${s.devices}${s.registrationFailed > 0 ? ` (${s.registrationFailed} failed)` : ''}`,
    `connected ${s.connected}`,
    `success ${s.success}`,
    `failed ${s.failed}`,
    `applying ${s.applying}`,
    `no deployment ${s.noDeployment}`,
    `reports ${s.reportsAcknowledged}${s.reportsFailed > 0 ? ` (${s.reportsFailed} failed)` : ''}`,
  ];
  if (s.reconnects > 0 || s.churned > 0) parts.push(`reconnects ${s.reconnects}`, `churned ${s.churned}`);
  if (s.connectRefused > 0) parts.push(`connect refused ${s.connectRefused}`);
  if (s.connectTimeouts > 0) parts.push(`connect timeouts ${s.connectTimeouts}`);
  return parts.join(' · ');
}

/** CONNACK 'server unavailable' (MQTT 3.1.1): what the cloud answers a connection beyond its per-address limit. */
const SERVER_UNAVAILABLE = 3;

/**
 * What `verge simulate` says once about a kind of failed start-up connection: the device client's reason, and for a
 * 'server unavailable' refusal the likely cause. Every simulated device dials from this machine's one address, and a
 * cloud holds at most `--max-connections-per-address` (1000 by default) connections from one address.
 */
export function connectFailureHint(failure: ConnectFailure): string {
  const reason = `${failure.deviceId} did not connect: ${failure.message}`;
  if (failure.returnCode !== SERVER_UNAVAILABLE) return reason;
  return (
    `${reason}\n` +
    "the cloud answers 'server unavailable' when this address already holds its maximum of connections (verge cloud start " +
    '--max-connections-per-address, 1000 by default; every simulated device dials from this machine): start the cloud with a limit above the ' +
    'number of devices (and whatever else connects from here); the devices left out keep trying'
  );
}
