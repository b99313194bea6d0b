import { useState } from 'preact/hooks';
import type { ConfigurationDto, ConfigurationPlanDto, EffectiveDeploymentDto, RolloutDto } from '@verge/contracts';
import { errorText, isNotFound, isRouteMissing, type Api } from '../api/client.js';
import { Badge, JsonView, LoadError, Loading, Panel, Progress, time } from '../components/common.js';
import { useLive } from '../components/use-live.js';
import { deploymentChanges, deploymentListChanges, rolloutChanges } from '../fleet/change-filters.js';
import { rolloutNote } from '../fleet/rollout-note.js';
import { hrefOf } from '../route.js';
import { pathSegment } from '../api/path-segment.js';

const enc = pathSegment;

/** Deployments: the list with their metrics; one deployment's rollout waves; explain for a device; dry-run of a draft. */
export function DeploymentsPage({ api, deploymentId }: { api: Api; deploymentId: string | undefined }) {
  const list = useLive(() => api.get<ConfigurationDto[]>('/configurations?top=100'), 'deployments', deploymentListChanges);
  return (
    <div class="page" data-testid="deployments-page">
      <h1>Deployments</h1>
      <LoadError error={list.error} what="Deployments" />
      <Loading when={list.data === undefined && list.error === undefined} />
      {list.data !== undefined && (
        <Panel title="Deployments" testId="deployment-list">
          {list.data.length === 0 ? (
            <p class="muted">No deployment yet (create one with `verge deployment create`).</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Id</th>
                  <th>Priority</th>
                  <th>Target condition</th>
                  <th>Targeted</th>
                  <th>Applied</th>
                  <th>Success</th>
                  <th>Failure</th>
                  <th>Progress</th>
                  <th>Rollout</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((c) => {
                  const m = c.systemMetrics.results;
                  return (
                    <tr key={c.id} data-deployment={c.id}>
                      <td>
                        <a href={hrefOf.deployment(c.id)}>{c.id}</a>
                      </td>
                      <td>{c.priority}</td>
                      <td class="body">{c.targetCondition}</td>
                      <td>{m.targetedCount}</td>
                      <td>{m.appliedCount}</td>
                      <td>{m.reportedSuccessfulCount}</td>
                      <td>{m.reportedFailedCount}</td>
                      <td>
                        <Progress done={m.reportedSuccessfulCount} failed={m.reportedFailedCount} total={m.targetedCount} />
                      </td>
                      <td>{c.rollout === null ? '—' : 'staged'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </Panel>
      )}
      {/* Keyed: another deployment is a new panel, not this one's dry-run and rollout message under a new title. */}
      {deploymentId !== undefined && <DeploymentDetail key={deploymentId} api={api} id={deploymentId} />}
      <Explain api={api} />
      <DryRun api={api} />
    </div>
  );
}

function DeploymentDetail({ api, id }: { api: Api; id: string }) {
  const config = useLive(() => api.get<ConfigurationDto>(`/configurations/${enc(id)}`), `config:${id}`, deploymentChanges(id));
  const rollout = useLive(async () => {
    try {
      return await api.get<RolloutDto>(`/configurations/${enc(id)}/rollout`);
    } catch (e) {
      if (isNotFound(e) && !isRouteMissing(e)) return null;
      throw e;
    }
  }, `rollout:${id}`, rolloutChanges(id));
  const [plan, setPlan] = useState<ConfigurationPlanDto | string | undefined>(undefined);
  const dryRun = async (): Promise<void> => {
    try {
      setPlan(await api.send<ConfigurationPlanDto>('POST', `/configurations/${enc(id)}/plan?top=50`));
    } catch (e) {
      setPlan(isRouteMissing(e) ? 'Dry-run is not available on this cloud (its API answers 404).' : errorText(e));
    }
  };
  return (
    <Panel title={`Deployment ${id}`} testId="deployment-detail">
      <LoadError error={config.error} what="Deployment" />
      {config.data !== undefined && (
        <p>
          Priority {config.data.priority} · target <code>{config.data.targetCondition}</code> · modules {Object.keys(config.data.content.modulesContent).join(', ')} · updated {time(config.data.lastUpdatedTimeUtc)}
        </p>
      )}
      <h3>Rollout</h3>
      <LoadError error={rollout.error} what="Rollout" />
      {rollout.data === null && config.data !== undefined && <p class="muted">{rolloutNote(config.data.rollout)}</p>}
      {rollout.data !== undefined && rollout.data !== null && (
        <div data-testid="rollout">
          <p>
            Status <Badge value={rollout.data.status} /> · wave {rollout.data.currentWave + 1} of {rollout.data.waves.length}
            {rollout.data.rolledBack ? ' · rolled back' : ''}
          </p>
          <RolloutControls api={api} id={id} status={rollout.data.status} onDone={rollout.reload} />
          {rollout.data.haltReason !== undefined && (
            <p class="error" data-testid="halt-reason">
              Halted: {rollout.data.haltReason}
            </p>
          )}
          <table>
            <thead>
              <tr>
                <th>Wave</th>
                <th>Result</th>
                <th>Admitted</th>
                <th>Succeeded</th>
                <th>Failed</th>
                <th>Pending</th>
                <th>Progress</th>
                <th>Deadline</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {rollout.data.waves.map((w) => (
                <tr key={w.index}>
                  <td>{w.index + 1}</td>
                  <td>
                    <Badge value={w.result} />
                  </td>
                  <td>{w.admitted}</td>
                  <td>{w.succeeded}</td>
                  <td>{w.failed}</td>
                  <td>{w.pending}</td>
                  <td>
                    <Progress done={w.succeeded} failed={w.failed} total={w.admitted} />
                  </td>
                  <td>{time(w.deadline)}</td>
                  <td>{w.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <button type="button" onClick={() => void dryRun()}>
        Dry-run now
      </button>
      {typeof plan === 'string' && <p class="error">{plan}</p>}
      {typeof plan === 'object' && <PlanView plan={plan} />}
    </Panel>
  );
}

/** Pause, resume or abort (optionally rolling back) a staged rollout; a refused transition shows the cloud's reason. */
function RolloutControls({ api, id, status, onDone }: { api: Api; id: string; status: string; onDone: () => void }) {
  const [message, setMessage] = useState<string | undefined>(undefined);
  const command = async (path: string): Promise<void> => {
    try {
      await api.send('POST', `/configurations/${enc(id)}/rollout/${path}`);
      setMessage(undefined);
      onDone();
    } catch (e) {
      setMessage(errorText(e));
    }
  };
  const can = (...states: string[]): boolean => states.includes(status);
  return (
    <p>
      {can('running') && (
        <button type="button" onClick={() => void command('pause')}>
          Pause
        </button>
      )}{' '}
      {can('paused', 'halted') && (
        <button type="button" onClick={() => void command('resume')}>
          Resume
        </button>
      )}{' '}
      {can('running', 'paused', 'halted') && (
        <button type="button" onClick={() => void command('abort')}>
          Abort
        </button>
      )}{' '}
      {can('running', 'paused', 'halted', 'aborted') && (
        <button type="button" onClick={() => confirm(`Abort ${id} and return every device it moved to what it had before?`) && void command('abort?rollback=true')}>
          Abort and roll back
        </button>
      )}
      {message !== undefined && (
        <span class="error" role="alert">
          {' '}
          {message}
        </span>
      )}
    </p>
  );
}

function PlanView({ plan }: { plan: ConfigurationPlanDto }) {
  const t = plan.totals;
  return (
    <div data-testid="plan">
      <p>
        {t.devices} IoT Edge devices evaluated · {t.targeted} targeted · {t.devicesChanging} would change · {t.devicesStatusOnly} status only · modules +{t.modulesAdded} ~{t.modulesUpdated} −{t.modulesRemoved} · routes +{t.routesAdded} ~{t.routesUpdated} −{t.routesRemoved}
      </p>
      <table>
        <thead>
          <tr>
            <th>Device</th>
            <th>Outcome</th>
            <th>Modules added</th>
            <th>Modules updated</th>
            <th>Modules removed</th>
            <th>Changes</th>
          </tr>
        </thead>
        <tbody>
          {plan.devices.map((d) => (
            <tr key={d.deviceId}>
              <td>
                <a href={hrefOf.device(d.deviceId)}>{d.deviceId}</a>
              </td>
              <td>{d.outcome}</td>
              <td>{d.summary.modules.added.join(', ')}</td>
              <td>{d.summary.modules.updated.join(', ')}</td>
              <td>{d.summary.modules.removed.join(', ')}</td>
              <td>{d.counts.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Why a device runs what it runs: `GET /devices/{id}/effective`. */
function Explain({ api }: { api: Api }) {
  const [deviceId, setDeviceId] = useState('');
  const [result, setResult] = useState<EffectiveDeploymentDto | string | undefined>(undefined);
  const explain = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (deviceId.trim() === '') return setResult('device id: required');
    try {
      setResult(await api.get<EffectiveDeploymentDto>(`/devices/${enc(deviceId.trim())}/effective`));
    } catch (err) {
      setResult(isRouteMissing(err) ? 'Explain is not available on this cloud (its API answers 404).' : errorText(err));
    }
  };
  return (
    <Panel title="Explain a device" testId="explain-panel">
      <form class="row" onSubmit={(e) => void explain(e)}>
        <label>
          Device id
          <input name="explainDevice" value={deviceId} onInput={(e) => setDeviceId((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Explain</button>
      </form>
      {typeof result === 'string' && (
        <p class="error" role="alert">
          {result}
        </p>
      )}
      {typeof result === 'object' && (
        <div data-testid="explain-result">
          <p>
            {result.edge ? (result.inSync ? 'In sync with its deployments.' : 'Evaluation still has changes to write.') : 'Not an IoT Edge device.'} {result.reason ?? ''}
          </p>
          <table>
            <thead>
              <tr>
                <th>Deployment</th>
                <th>Priority</th>
                <th>Outcome</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {result.deployments.map((d) => (
                <tr key={d.deploymentId}>
                  <td>
                    <a href={hrefOf.deployment(d.deploymentId)}>{d.deploymentId}</a>
                  </td>
                  <td>{d.priority}</td>
                  <td>
                    {d.outcome}
                    {d.outrankedBy === undefined ? '' : ` by ${d.outrankedBy}`}
                  </td>
                  <td>{d.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.invalid.length > 0 && <JsonView value={result.invalid} />}
          <h3>Where each part comes from</h3>
          <table>
            <thead>
              <tr>
                <th>Module twin</th>
                <th>Part</th>
                <th>From</th>
                <th>Overrides</th>
              </tr>
            </thead>
            <tbody>
              {result.provenance.map((p) => (
                <tr key={`${p.moduleId}:${p.path}`}>
                  <td>{p.moduleId}</td>
                  <td>
                    <code>{p.path === '' ? '(whole section)' : p.path}</code>
                    {p.removed === true ? ' (removed)' : ''}
                  </td>
                  <td>
                    {p.deploymentId} ({p.priority})
                  </td>
                  <td>{p.overridden.map((o) => o.deploymentId).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

const DRAFT_EXAMPLE = JSON.stringify(
  {
    id: 'draft',
    priority: 10,
    targetCondition: "tags.environment='prod'",
    content: { modulesContent: { $edgeAgent: { 'properties.desired.modules.sensor': { type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'sensor:1.1' } } } } },
  },
  null,
  2,
);

/** `POST /configurations/plan`: what a draft would write, nothing stored. */
function DryRun({ api }: { api: Api }) {
  const [text, setText] = useState(DRAFT_EXAMPLE);
  const [result, setResult] = useState<ConfigurationPlanDto | string | undefined>(undefined);
  const run = async (e: Event): Promise<void> => {
    e.preventDefault();
    let draft: unknown;
    try {
      draft = JSON.parse(text);
    } catch (err) {
      return setResult(`draft: not JSON (${errorText(err)})`);
    }
    try {
      setResult(await api.send<ConfigurationPlanDto>('POST', '/configurations/plan?top=50', draft));
    } catch (err) {
      setResult(isRouteMissing(err) ? 'Dry-run is not available on this cloud (its API answers 404).' : errorText(err));
    }
  };
  return (
    <Panel title="Dry-run a draft deployment" testId="dry-run-panel">
      <form onSubmit={(e) => void run(e)}>
        <textarea name="draft" rows={10} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        <button type="submit">Dry-run</button>
      </form>
      {typeof result === 'string' && (
        <p class="error" role="alert">
          {result}
        </p>
      )}
      {typeof result === 'object' && <PlanView plan={result} />}
    </Panel>
  );
}
