import { createServer } from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/main.js';

// Parsing and validation through the real command tree: every case here fails before any request is sent
// (`conn` points the API at port 1, which fetch refuses to dial, so a request would fail with exit 1, not 2).

const cs = 'HostName=127.0.0.1;SharedAccessKeyName=owner;SharedAccessKey=dGhyb3dhd2F5LXRlc3Qta2V5LW5vdC1hLXNlY3JldCE=';
// A loopback port nobody listens on (taken from the OS, then released).
let closedPort = 0;
beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
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

const run = (...args: string[]): Promise<number> => main(['node', 'verge', ...args]);

describe('bad input exits 2 with a message naming the flag', () => {
  it.each([
    [['twin', 'update', 'd1', '--desired', '{bad', ...conn], /^error: --desired is not valid JSON: /],
    [['twin', 'update', 'd1', '--tags', '[1]', ...conn], /^error: --tags must be a JSON object, got an array$/],
    [['twin', 'update', 'd1', ...conn], /^error: nothing to update: give --desired <json>, --tags <json> or --file <path>$/],
    [['twin', 'update', 'd1', '--file', '/nonexistent/patch.json', ...conn], /^error: --file: cannot read \/nonexistent\/patch\.json: ENOENT/],
    [['twin', 'update', 'd1', '--file', 'x.json', '--desired', '{}', ...conn], /^error: --file cannot be combined with --desired or --tags$/],
    [['device', 'create', 'd1', '--tags', 'nokey', ...conn], /^error: --tags value #1 "nokey" is not of the form key=value$/],
    [['device', 'create', 'd1', '--x509', ...conn], /^error: --x509 requires --thumbprint <sha>/],
    [['device', 'create', 'd1', '--thumbprint', 'AB', ...conn], /^error: --thumbprint requires --x509$/],
    [['device', 'create', 'd1', '--x509', '--thumbprint', 'xyz', ...conn], /^error: --thumbprint "xyz" is not a SHA-1 \(40 hex digits\) or SHA-256 \(64 hex digits\) thumbprint$/],
    [['device', 'create', 'd1', '--gateway', 'a:b:c', ...conn], /^error: --gateway "a:b:c" is not host\[:port\]/],
    [['device', 'list', '--top', '0', ...conn], /^error: --top 0 is outside 1\.\.1000000$/],
    [['method', 'invoke', 'd1', 'm', '--payload', 'nope', ...conn], /^error: --payload is not valid JSON: /],
    [['method', 'invoke', 'd1', 'm', '--timeout', '301', ...conn], /^error: --timeout 301 is outside 5\.\.300$/],
    [['c2d', 'send', 'd1', 'hi', '--property', 'x', ...conn], /^error: --property value #1 "x" is not of the form key=value$/],
    [['c2d', 'send', 'd1', 'hi', '--ttl', '0', ...conn], /^error: --ttl 0 is outside 1\.\.172800$/],
    [['c2d', 'send', 'd1', 'hi', '--property', 'bad key=v', ...conn], /^error: cannot send the message: property name "bad key" is not an HTTP header token/],
    [['monitor', '--count', 'x', ...conn], /^error: --count "x" is not a whole number$/],
    [['device', 'show', 'd1', '--connection-string', 'HostName=h;DeviceId=d;SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAA=='], /^error: --connection-string: expected a service connection string/],
    [['device', 'show', 'd1', '--connection-string', cs, '--api', 'http://10.0.0.1:8080'], /^error: API URL "http:\/\/10\.0\.0\.1:8080" uses plain http: to 10\.0\.0\.1, which is not a loopback host/],
  ])('%j', async (args, message) => {
    expect(await run(...args)).toBe(2);
    expect(stderr.join('').trimEnd()).toMatch(message);
    expect(stdout.join('')).toBe('');
  });

  it.each([
    [['device', 'create'], "missing required argument 'deviceId'"],
    [['device', 'list', '--bogus'], "unknown option '--bogus'"],
    [['method', 'invoke', 'd1'], "missing required argument 'method'"],
    [['device', 'show', 'a', 'b'], 'too many arguments'],
    [['device', 'list', '--top'], "option '--top <n>' argument missing"],
  ])('commander usage error %j', async (args, message) => {
    expect(await run(...args)).toBe(2);
    expect(stderr.join('')).toContain(message);
  });
});

describe('API failures exit 1 with the code and message', () => {
  it('an unreachable API', async () => {
    const api = `http://127.0.0.1:${closedPort}`;
    expect(await run('device', 'show', 'd1', '--connection-string', cs, '--api', api)).toBe(1);
    expect(stderr.join('').trimEnd()).toMatch(new RegExp(`^error: CLIENT_NETWORK_FAILED: GET ${api}/devices/d1 failed: .*ECONNREFUSED`));
  });

  it('no connection at all', async () => {
    expect(await run('device', 'list', '--data', '/nonexistent/verge-cloud')).toBe(2);
    expect(stderr.join('').trimEnd()).toMatch(/^error: no service connection string: pass --connection-string/);
  });
});

describe('help', () => {
  it('exits 0', async () => {
    expect(await run('device', 'create', '--help')).toBe(0);
    expect(stdout.join('')).toContain('Usage: verge device create [options] <deviceId>');
  });
});
