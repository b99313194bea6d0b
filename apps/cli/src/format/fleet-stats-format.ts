import type { FleetStats } from '@verge/simulator';

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
  if (s.connectTimeouts > 0) parts.push(`connect timeouts ${s.connectTimeouts}`);
  return parts.join(' · ');
}
