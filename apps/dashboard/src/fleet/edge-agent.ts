/**
 * Reads an IoT Edge device's `$edgeAgent` module twin (reference azure-iot-edge.md §2.1–2.3): the modules it
 * should run (desired) beside what the agent reports, and whether the device is as desired. Pure.
 */

type Json = Record<string, unknown>;

/** A `$edgeAgent` module twin as `GET /twins/{id}/modules/$edgeAgent` or `FROM devices.modules` returns it. */
export interface EdgeAgentTwin {
  readonly deviceId: string;
  /** The agent's own connection: an IoT Edge device connects upstream as its system modules, not as the device. */
  readonly connectionState?: string;
  readonly properties?: { readonly desired?: Json; readonly reported?: Json };
}

/** One module row of the device page. */
export interface ModuleRow {
  readonly id: string;
  readonly system: boolean;
  /** `running` or `stopped` as desired; undefined when the module is not in the deployment (any more). */
  readonly desiredStatus: string | undefined;
  readonly runtimeStatus: string | undefined;
  readonly restartCount: number | undefined;
  readonly exitCode: number | undefined;
  readonly version: string | undefined;
  readonly image: string | undefined;
  readonly lastStartTimeUtc: string | undefined;
  readonly lastExitTimeUtc: string | undefined;
  readonly statusDescription: string | undefined;
}

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** A Docker module's image, or a process module's command line. */
function program(settings: Json): string | undefined {
  const image = str(settings['image']);
  if (image !== undefined) return image;
  const command = str(settings['command']);
  const args = Array.isArray(settings['args']) ? settings['args'].filter((a): a is string => typeof a === 'string') : [];
  return command === undefined ? undefined : [command, ...args].join(' ');
}

/** System modules first (edgeAgent, edgeHub), then the deployment's modules by id. */
export function moduleRows(twin: EdgeAgentTwin): ModuleRow[] {
  const desired = obj(twin.properties?.desired);
  const reported = obj(twin.properties?.reported);
  const rows: ModuleRow[] = [];
  for (const system of [true, false]) {
    const key = system ? 'systemModules' : 'modules';
    const d = obj(desired[key]);
    const r = obj(reported[key]);
    const ids = [...new Set([...Object.keys(d), ...Object.keys(r)])].sort();
    for (const id of ids) {
      const dm = obj(d[id]);
      const rm = obj(r[id]);
      const inDeployment = id in d;
      rows.push({
        id,
        system,
        desiredStatus: inDeployment ? (str(dm['status']) ?? (system ? 'running' : undefined)) : undefined,
        runtimeStatus: str(rm['runtimeStatus']),
        restartCount: num(rm['restartCount']),
        exitCode: num(rm['exitCode']),
        version: str(dm['version']) ?? str(rm['version']),
        image: program(obj(dm['settings'])) ?? program(obj(rm['settings'])),
        lastStartTimeUtc: str(rm['lastStartTimeUtc']),
        lastExitTimeUtc: str(rm['lastExitTimeUtc']),
        statusDescription: str(rm['statusDescription']),
      });
    }
  }
  return rows;
}

/**
 * Why a device is not as desired, one sentence each; empty when it is: the agent applied the current desired
 * version with status 200 and every module meant to run reports `running` (a stopped module meant to stop is fine).
 */
export function notAsDesired(twin: EdgeAgentTwin): string[] {
  const desired = obj(twin.properties?.desired);
  const reported = obj(twin.properties?.reported);
  if (Object.keys(obj(desired['modules'])).length === 0 && Object.keys(obj(desired['systemModules'])).length === 0) return [];
  const stateKeys = Object.keys(reported).filter((k) => !k.startsWith('$'));
  if (stateKeys.length === 0) return ['the edge agent has reported nothing yet'];
  const problems: string[] = [];
  const version = num(desired['$version']);
  const applied = num(reported['lastDesiredVersion']);
  if (version !== undefined && applied !== version) problems.push(`desired version ${version} not applied yet (agent at ${applied ?? 'none'})`);
  const status = obj(reported['lastDesiredStatus']);
  const code = num(status['code']);
  if (code !== undefined && code !== 200) problems.push(`last desired status ${code}${str(status['description']) ? `: ${str(status['description'])}` : ''}`);
  for (const row of moduleRows(twin)) {
    if (row.id === 'edgeAgent' || row.desiredStatus === undefined) continue;
    if (row.desiredStatus === 'running' && row.runtimeStatus !== 'running') {
      problems.push(
        row.runtimeStatus === undefined
          ? `module ${row.id} is not reported`
          : `module ${row.id} is ${row.runtimeStatus}${row.exitCode === undefined ? '' : ` (exit code ${row.exitCode})`}`,
      );
    }
  }
  return problems;
}

/** Modules that failed recently: not running, with an exit code other than 0, or restarted. Newest exit first. */
export function recentFailures(twins: readonly EdgeAgentTwin[]): { deviceId: string; row: ModuleRow }[] {
  const out: { deviceId: string; row: ModuleRow }[] = [];
  for (const twin of twins) {
    for (const row of moduleRows(twin)) {
      const failed = (row.runtimeStatus !== undefined && ['failed', 'backoff', 'unhealthy'].includes(row.runtimeStatus)) || (row.exitCode !== undefined && row.exitCode !== 0 && row.runtimeStatus !== 'running');
      if (failed || (row.restartCount ?? 0) > 0) out.push({ deviceId: twin.deviceId, row });
    }
  }
  return out.sort((a, b) => (b.row.lastExitTimeUtc ?? '').localeCompare(a.row.lastExitTimeUtc ?? ''));
}

/**
 * Whether a device is online: its own connection, or for an IoT Edge device its `$edgeAgent`'s (the runtime
 * connects upstream with its modules' identities, so the device identity itself may never connect).
 */
export function isOnline(device: { readonly connectionState: string }, agent: EdgeAgentTwin | undefined): boolean {
  return device.connectionState === 'Connected' || agent?.connectionState === 'Connected';
}
