import { useState } from 'preact/hooks';
import { errorText, isNotFound, type Api } from '../api/client.js';
import { Badge, JsonView, LoadError, Loading, Panel, time } from '../components/common.js';
import { MessageList } from '../components/message-list.js';
import { useLive } from '../components/use-live.js';
import { useTelemetry } from '../components/use-telemetry.js';
import { deviceChanges } from '../fleet/change-filters.js';
import { isOnline, moduleRows, notAsDesired, type EdgeAgentTwin } from '../fleet/edge-agent.js';
import { hrefOf } from '../route.js';
import { DesiredEditor } from './desired-editor.js';
import { pathSegment } from '../api/path-segment.js';

interface Twin {
  readonly deviceId: string;
  readonly etag: string;
  readonly connectionState?: string;
  readonly capabilities?: { readonly iotEdge: boolean };
  readonly tags?: Record<string, unknown>;
  readonly properties: { readonly desired: Record<string, unknown>; readonly reported: Record<string, unknown> };
}

interface DeviceData {
  readonly twin: Twin;
  readonly agent: EdgeAgentTwin | undefined;
}

const enc = pathSegment;

async function loadDevice(api: Api, deviceId: string): Promise<DeviceData> {
  const twin = await api.get<Twin>(`/twins/${enc(deviceId)}`);
  let agent: EdgeAgentTwin | undefined;
  if (twin.capabilities?.iotEdge === true) {
    try {
      agent = await api.get<EdgeAgentTwin>(`/twins/${enc(deviceId)}/modules/${enc('$edgeAgent')}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  return { twin, agent };
}

/** One device: its modules (from `$edgeAgent`), twin view and desired edit, direct methods, live telemetry. */
export function DevicePage({ api, deviceId }: { api: Api; deviceId: string }) {
  const device = useLive(() => loadDevice(api, deviceId), deviceId, deviceChanges(deviceId));
  const live = useTelemetry(api.token, deviceId);
  const rows = device.data?.agent === undefined ? [] : moduleRows(device.data.agent);
  const problems = device.data?.agent === undefined ? [] : notAsDesired(device.data.agent);
  return (
    <div class="page" data-testid="device-page">
      <p>
        <a href={hrefOf.fleet()}>← Fleet</a>
      </p>
      <h1>
        Device <span data-testid="device-id">{deviceId}</span> <Badge value={device.data === undefined ? undefined : isOnline({ connectionState: device.data.twin.connectionState ?? 'Disconnected' }, device.data.agent) ? 'Connected' : 'Disconnected'} />
      </h1>
      <LoadError error={device.error} what="Device" />
      <Loading when={device.data === undefined && device.error === undefined} />
      {device.data?.twin.capabilities?.iotEdge === true && (
        <Panel title="Modules" testId="modules-panel">
          {problems.length > 0 ? (
            <p class="error" data-testid="drift">
              Not as desired: {problems.join('; ')}
            </p>
          ) : (
            <p class="muted">As desired.</p>
          )}
          <table data-testid="module-table">
            <thead>
              <tr>
                <th>Module</th>
                <th>Desired</th>
                <th>Runtime status</th>
                <th>Restarts</th>
                <th>Exit code</th>
                <th>Version</th>
                <th>Image / program</th>
                <th>Last start</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-module={r.id} title={r.statusDescription}>
                  <td>{r.system ? <i>{r.id}</i> : r.id}</td>
                  <td>{r.desiredStatus ?? 'not deployed'}</td>
                  <td>
                    <Badge value={r.runtimeStatus} />
                  </td>
                  <td>{r.restartCount ?? '—'}</td>
                  <td>{r.exitCode ?? '—'}</td>
                  <td>{r.version ?? '—'}</td>
                  <td class="body">{r.image ?? '—'}</td>
                  <td>{time(r.lastStartTimeUtc)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      )}
      {device.data?.agent !== undefined && <ModuleLogs api={api} deviceId={deviceId} modules={rows.filter((r) => r.id !== 'edgeAgent').map((r) => r.id)} />}
      {device.data !== undefined && <DesiredEditor api={api} twin={device.data.twin} onSaved={device.reload} />}
      {device.data !== undefined && <MethodInvoker api={api} deviceId={deviceId} modules={rows.filter((r) => !r.system).map((r) => r.id)} />}
      <Panel title="Live telemetry" testId="device-telemetry">
        <p class="muted">
          Event stream: {live.state} · {live.received} messages
        </p>
        <MessageList messages={live.messages} testId="device-messages" />
      </Panel>
      {device.data !== undefined && (
        <Panel title="Twin" testId="twin-panel">
          <h3>Tags</h3>
          <JsonView value={device.data.twin.tags ?? {}} />
          <h3>Desired</h3>
          <JsonView value={device.data.twin.properties.desired} testId="twin-desired" />
          <h3>Reported</h3>
          <JsonView value={device.data.twin.properties.reported} testId="twin-reported" />
        </Panel>
      )}
    </div>
  );
}

/** Invokes a direct method on the device or one of its modules and shows the answer. */
function MethodInvoker({ api, deviceId, modules }: { api: Api; deviceId: string; modules: readonly string[] }) {
  const [target, setTarget] = useState('');
  const [methodName, setMethodName] = useState('');
  const [payload, setPayload] = useState('{}');
  const [timeout, setTimeoutSec] = useState('30');
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const invoke = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (methodName.trim() === '') return setResult({ ok: false, text: 'method name: required' });
    let body: unknown;
    try {
      body = payload.trim() === '' ? null : JSON.parse(payload);
    } catch (err) {
      return setResult({ ok: false, text: `payload: not JSON (${errorText(err)})` });
    }
    const seconds = Number(timeout);
    if (!Number.isInteger(seconds) || seconds < 5 || seconds > 300) return setResult({ ok: false, text: 'timeout: 5 to 300 seconds' });
    setBusy(true);
    try {
      const path = target === '' ? `/twins/${enc(deviceId)}/methods` : `/twins/${enc(deviceId)}/modules/${enc(target)}/methods`;
      const answer = await api.send<{ status: number; payload: unknown }>('POST', path, { methodName: methodName.trim(), payload: body, responseTimeoutInSeconds: seconds });
      setResult({ ok: answer.status >= 200 && answer.status < 300, text: `status ${answer.status}: ${JSON.stringify(answer.payload)}` });
    } catch (err) {
      setResult({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title="Direct method" testId="method-panel">
      <form class="row" onSubmit={(e) => void invoke(e)}>
        <label>
          Target
          <select name="target" value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
            <option value="">the device</option>
            {modules.map((m) => (
              <option key={m} value={m}>
                module {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Method
          <input name="methodName" value={methodName} onInput={(e) => setMethodName((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Payload (JSON)
          <input name="payload" value={payload} onInput={(e) => setPayload((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Timeout (s)
          <input name="timeout" size={4} value={timeout} onInput={(e) => setTimeoutSec((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Invoking…' : 'Invoke'}
        </button>
      </form>
      {result !== undefined && (
        <p class={result.ok ? 'ok' : 'error'} role="status" data-testid="method-result">
          {result.text}
        </p>
      )}
    </Panel>
  );
}

/**
 * Module logs pulled on demand through the agent's `GetModuleLogs` direct method (reference §2.6), and a module
 * restart through `RestartModule`.
 */
function ModuleLogs({ api, deviceId, modules }: { api: Api; deviceId: string; modules: readonly string[] }) {
  const [moduleId, setModuleId] = useState('');
  const [tail, setTail] = useState('100');
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const chosen = moduleId === '' ? modules[0] : moduleId;
  const agentMethod = async (methodName: string, payload: unknown): Promise<{ status: number; payload: unknown }> =>
    api.send('POST', `/twins/${enc(deviceId)}/modules/${enc('$edgeAgent')}/methods`, { methodName, payload, responseTimeoutInSeconds: 30 });
  const run = async (action: 'logs' | 'restart'): Promise<void> => {
    if (chosen === undefined) return;
    const lines = Number(tail);
    if (action === 'logs' && (!Number.isInteger(lines) || lines < 1 || lines > 10_000)) return setResult({ ok: false, text: 'lines: 1 to 10000' });
    setBusy(true);
    try {
      if (action === 'restart') {
        const answer = await agentMethod('RestartModule', { schemaVersion: '1.0', id: chosen });
        setResult({ ok: answer.status === 200, text: answer.status === 200 ? `Restarted ${chosen}.` : `RestartModule: status ${answer.status}: ${JSON.stringify(answer.payload)}` });
        return;
      }
      const answer = await agentMethod('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: `^${chosen.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, filter: { tail: lines } }], encoding: 'none', contentType: 'text' });
      if (answer.status !== 200) return setResult({ ok: false, text: `GetModuleLogs: status ${answer.status}: ${JSON.stringify(answer.payload)}` });
      const entries = (Array.isArray(answer.payload) ? answer.payload : []) as { id?: string; payload?: unknown }[];
      const text = entries.map((e) => (typeof e.payload === 'string' ? e.payload : JSON.stringify(e.payload, null, 2))).join('\n');
      setResult({ ok: true, text: text === '' ? `(no log lines from ${chosen})` : text });
    } catch (err) {
      setResult({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title="Module logs" testId="logs-panel">
      <form class="row" onSubmit={(e) => (e.preventDefault(), void run('logs'))}>
        <label>
          Module
          <select name="logModule" value={chosen} onChange={(e) => setModuleId((e.target as HTMLSelectElement).value)}>
            {modules.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Last lines
          <input name="tail" size={6} value={tail} onInput={(e) => setTail((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" disabled={busy}>
          Fetch logs
        </button>
        <button type="button" disabled={busy} onClick={() => void run('restart')}>
          Restart module
        </button>
      </form>
      {result !== undefined &&
        (result.ok ? (
          <pre class="json" data-testid="logs-result">
            {result.text}
          </pre>
        ) : (
          <p class="error" role="alert" data-testid="logs-error">
            {result.text}
          </p>
        ))}
    </Panel>
  );
}
