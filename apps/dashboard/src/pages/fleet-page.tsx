import type { Api } from '../api/client.js';
import { Badge, LoadError, Loading, Panel, time } from '../components/common.js';
import { MessageList } from '../components/message-list.js';
import { RateChart } from '../components/rate-chart.js';
import { useLive } from '../components/use-live.js';
import { useTelemetry } from '../components/use-telemetry.js';
import { fleetChanges } from '../fleet/change-filters.js';
import { isOnline, notAsDesired, recentFailures } from '../fleet/edge-agent.js';
import { loadFleet } from '../fleet/load-fleet.js';
import { hrefOf } from '../route.js';

/** Rows of the device table: a page of 100,000 table rows would be slow to draw; the tiles count every device. */
const DEVICE_TABLE_ROWS = 1000;

/** Fleet overview: devices online/offline, edge devices not as desired, recent module failures, live telemetry rate. */
export function FleetPage({ api }: { api: Api }) {
  const fleet = useLive(() => loadFleet(api), 'fleet', fleetChanges);
  const live = useTelemetry(api.token, undefined);
  const devices = fleet.data?.devices ?? [];
  const agents = new Map((fleet.data?.agents ?? []).map((a) => [a.deviceId, a]));
  const online = devices.filter((d) => isOnline(d, agents.get(d.deviceId))).length;
  const edge = devices.filter((d) => d.capabilities.iotEdge);
  const drift = (fleet.data?.agents ?? []).map((t) => ({ deviceId: t.deviceId, problems: notAsDesired(t) })).filter((d) => d.problems.length > 0);
  const failures = recentFailures(fleet.data?.agents ?? []).slice(0, 20);
  return (
    <div class="page" data-testid="fleet-page">
      <h1>Fleet</h1>
      <LoadError error={fleet.error} what="Devices" />
      <Loading when={fleet.data === undefined && fleet.error === undefined} />
      <div class="tiles">
        <div class="tile" data-testid="tile-devices">
          <b>{devices.length}</b> devices
        </div>
        <div class="tile good" data-testid="tile-online">
          <b>{online}</b> online
        </div>
        <div class="tile" data-testid="tile-offline">
          <b>{devices.length - online}</b> offline
        </div>
        <div class="tile" data-testid="tile-edge">
          <b>{edge.length}</b> IoT Edge
        </div>
        <div class={`tile ${drift.length > 0 ? 'bad' : ''}`} data-testid="tile-drift">
          <b>{drift.length}</b> not as desired
        </div>
      </div>
      <Panel title="Telemetry rate (last 60 s)" testId="rate-panel">
        <p class="muted" data-testid="stream-state">
          Event stream: {live.state} · {live.received} messages since opened
        </p>
        <RateChart window={live.rates} testId="rate-chart" />
      </Panel>
      <Panel title="Edge devices not as desired" testId="drift-panel">
        {drift.length === 0 ? (
          <p class="muted">Every IoT Edge device runs what its deployment asks.</p>
        ) : (
          <ul>
            {drift.map((d) => (
              <li key={d.deviceId}>
                <a href={hrefOf.device(d.deviceId)}>{d.deviceId}</a>: {d.problems.join('; ')}
              </li>
            ))}
          </ul>
        )}
      </Panel>
      <Panel title="Recent module failures and restarts" testId="failures-panel">
        {failures.length === 0 ? (
          <p class="muted">No module has failed or restarted.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Device</th>
                <th>Module</th>
                <th>Status</th>
                <th>Exit code</th>
                <th>Restarts</th>
                <th>Last exit</th>
              </tr>
            </thead>
            <tbody>
              {failures.map(({ deviceId, row }) => (
                <tr key={`${deviceId}/${row.id}`}>
                  <td>
                    <a href={hrefOf.device(deviceId)}>{deviceId}</a>
                  </td>
                  <td>{row.id}</td>
                  <td>
                    <Badge value={row.runtimeStatus} />
                  </td>
                  <td>{row.exitCode ?? '—'}</td>
                  <td>{row.restartCount ?? 0}</td>
                  <td>{time(row.lastExitTimeUtc)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Devices" testId="devices-panel">
        <table data-testid="device-table">
          <thead>
            <tr>
              <th>Device</th>
              <th>Connection</th>
              <th>Kind</th>
              <th>Status</th>
              <th>Last activity</th>
            </tr>
          </thead>
          <tbody>
            {devices.slice(0, DEVICE_TABLE_ROWS).map((d) => (
              <tr key={d.deviceId}>
                <td>
                  <a href={hrefOf.device(d.deviceId)}>{d.deviceId}</a>
                </td>
                <td>
                  <Badge value={isOnline(d, agents.get(d.deviceId)) ? 'Connected' : 'Disconnected'} />
                </td>
                <td>{d.capabilities.iotEdge ? 'IoT Edge' : 'device'}</td>
                <td>{d.status}</td>
                <td>{time(d.lastActivityTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {devices.length > DEVICE_TABLE_ROWS && (
          <p class="muted" data-testid="device-table-more">
            The first {DEVICE_TABLE_ROWS} of {devices.length} devices are listed; the counts above cover all of them.
          </p>
        )}
      </Panel>
      <Panel title="Latest messages" testId="fleet-messages">
        <MessageList messages={live.messages} />
      </Panel>
    </div>
  );
}
