import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/main.js';

// `verge simulate` flag validation through the real command tree: every case fails before any request is sent
// (the API points at port 1, which fetch refuses to dial), with exit 2 and a message naming the flag.

const cs = 'HostName=127.0.0.1;SharedAccessKeyName=owner;SharedAccessKey=dGhyb3dhd2F5LXRlc3Qta2V5LW5vdC1hLXNlY3JldCE=';
const conn = ['--connection-string', cs, '--api', 'http://127.0.0.1:1'];

let stdout: string[];
let stderr: string[];

beforeEach(() => {
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

const run = (...args: string[]): Promise<number> => main(['node', 'verge', 'simulate', ...args, ...conn]);

describe('verge simulate: bad flags exit 2 naming the flag', () => {
  it.each([
    [['--devices', '0'], /^error: --devices 0 is outside 1\.\.100000$/],
    [['--devices', 'many'], /^error: --devices "many" is not a whole number$/],
    [['--devices', '2', '--fail-rate', 'image=repo/app:2.0'], /^error: --fail-rate "image=repo\/app:2\.0" is not of the form image=<pattern>=<rate> or module=<pattern>=<rate>$/],
    [['--devices', '2', '--fail-rate', 'version=2.0=1'], /^error: --fail-rate "version=2\.0=1": "version" is not "image" or "module"$/],
    [['--devices', '2', '--fail-rate', 'module=x=1.5'], /^error: --fail-rate "module=x=1\.5": the rate "1\.5" is not a number from 0 to 1 or a percentage from 0% to 100%$/],
    [['--devices', '2', '--fail-rate', 'module==0.5'], /^error: --fail-rate "module==0\.5": the module pattern is empty$/],
    [['--devices', '2', '--start-delay-ms', '500-100'], /^error: --start-delay-ms "500-100": the maximum 100 is below the minimum 500$/],
    [['--devices', '2', '--start-delay-ms', 'soon'], /^error: --start-delay-ms "soon" is not <ms> or <min>-<max> in whole milliseconds$/],
    [['--devices', '2', '--churn', 'often'], /^error: --churn "often" is not <n>\/s, <n>\/min, <p>%\/s or <p>%\/min$/],
    [['--devices', '2', '--churn', '150%/min'], /^error: --churn "150%\/min": a percentage must be at most 100%$/],
    [['--devices', '2', '--tags', 'nokey'], /^error: --tags value #1 "nokey" is not of the form key=value$/],
    [['--devices', '2', '--mqtt', 'a:b:c'], /^error: --mqtt "a:b:c" is not host\[:port\]/],
    [['--devices', '2', '--connect-concurrency', '0'], /^error: --connect-concurrency 0 is outside 1\.\.10000$/],
    [['--devices', '2', '--duration', '0'], /^error: --duration 0 is outside 1\.\.2678400$/],
    [['--devices', '2', '--prefix', 'has space'], /^error: --prefix may contain only letters, digits/],
  ])('%j', async (args, message) => {
    expect(await run(...args)).toBe(2);
    expect(stderr.join('').trim()).toMatch(message);
    expect(stdout.join('')).toBe('');
  });

  it('requires --devices', async () => {
    expect(await run()).toBe(2);
    expect(stderr.join('')).toMatch(/required option '--devices <n>' not specified/);
  });
});

describe('verge simulate status line', () => {
  it('shows registration, connections, outcomes and reports; churn and timeouts only when there are some', async () => {
    const { formatFleetStats } = await import('../../src/format/fleet-stats-format.js');
    const base = { devices: 10, registered: 10, registrationFailed: 0, connected: 9, connectTimeouts: 0, connectRefused: 0, reconnects: 0, churned: 0, reportsAcknowledged: 20, reportsFailed: 0, success: 7, failed: 2, noDeployment: 0, applying: 1 };
    expect(formatFleetStats(base)).toBe('registered 10/10 · connected 9 · success 7 · failed 2 · applying 1 · no deployment 0 · reports 20');
    expect(formatFleetStats({ ...base, registrationFailed: 1, reportsFailed: 3, reconnects: 4, churned: 5, connectTimeouts: 1, connectRefused: 2 })).toBe(
      'registered 10/10 (1 failed) · connected 9 · success 7 · failed 2 · applying 1 · no deployment 0 · reports 20 (3 failed) · reconnects 4 · churned 5 · connect refused 2 · connect timeouts 1',
    );
  });

  it("explains a 'server unavailable' refusal with the cloud's per-address limit, and gives other failures as they are", async () => {
    const { connectFailureHint } = await import('../../src/format/fleet-stats-format.js');
    const refused = connectFailureHint({
      deviceId: 'sim-999',
      code: 'SDK_CONNECT_REFUSED',
      returnCode: 3,
      message: "not connected within 60000 ms: 127.0.0.1:8883 refused the connection of 'sim-999/$edgeAgent': Server unavailable (CONNACK return code 3)",
    });
    expect(refused).toMatch(/^sim-999 did not connect: not connected within 60000 ms: .*CONNACK return code 3\)\n/);
    expect(refused).toContain('--max-connections-per-address, 1000 by default');
    expect(refused).toContain('start the cloud with a limit above the number of devices');
    const unauthorized = connectFailureHint({ deviceId: 'sim-1', code: 'SDK_CONNECT_REFUSED', returnCode: 5, message: 'refused: Not authorized (CONNACK return code 5)' });
    expect(unauthorized).toBe('sim-1 did not connect: refused: Not authorized (CONNACK return code 5)');
    expect(connectFailureHint({ deviceId: 'sim-2', code: 'SDK_CONNECTION_FAILED', message: 'connect ECONNREFUSED 127.0.0.1:8883' })).not.toContain('--max-connections-per-address');
  });
});
