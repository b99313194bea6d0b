import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { resolveConnection, type ReadText } from '../../src/connection.js';

const key = 'dGhyb3dhd2F5LXRlc3Qta2V5LW5vdC1hLXNlY3JldCE=';
const cs = (host: string): string => `HostName=${host};SharedAccessKeyName=owner;SharedAccessKey=${key}`;

/** An in-memory file system: absolute path → text; anything else is ENOENT. */
function files(entries: Record<string, string>): ReadText {
  return async (path) => {
    const text = entries[resolve(path)];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return text;
  };
}

const defaultDir = resolve('./.verge/cloud');
const credentials = (host: string, extra: Record<string, string> = {}): string => JSON.stringify({ serviceConnectionString: cs(host), ...extra });

describe('resolveConnection', () => {
  it('flag beats env beats data dir; the API defaults to https://{HostName}:8443', async () => {
    const read = files({ [join(defaultDir, 'credentials.json')]: credentials('from-data') });
    await expect(resolveConnection({ connectionString: cs('from-flag') }, { VERGE_CONNECTION_STRING: cs('from-env') }, read)).resolves.toEqual({
      connectionString: cs('from-flag'),
      source: 'flag',
      apiUrl: 'https://from-flag:8443',
    });
    await expect(resolveConnection({}, { VERGE_CONNECTION_STRING: cs('from-env') }, read)).resolves.toMatchObject({ source: 'env', apiUrl: 'https://from-env:8443' });
    await expect(resolveConnection({}, {}, read)).resolves.toMatchObject({ source: 'data', connectionString: cs('from-data') });
  });

  it('an empty env value counts as unset', async () => {
    const read = files({ [join(defaultDir, 'credentials.json')]: credentials('from-data') });
    await expect(resolveConnection({}, { VERGE_CONNECTION_STRING: '' }, read)).resolves.toMatchObject({ source: 'data' });
  });

  it("the credentials' apiUrl (the cloud's real HTTPS port) is used when the string comes from them", async () => {
    const read = files({ [join(defaultDir, 'credentials.json')]: credentials('h', { apiUrl: 'https://localhost:40123' }) });
    await expect(resolveConnection({}, {}, read)).resolves.toMatchObject({ apiUrl: 'https://localhost:40123' });
    await expect(resolveConnection({ api: 'http://127.0.0.1:8080' }, {}, read)).resolves.toMatchObject({ apiUrl: 'http://127.0.0.1:8080' });
    await expect(resolveConnection({}, { VERGE_API_URL: 'https://x:1' }, read)).resolves.toMatchObject({ apiUrl: 'https://x:1' });
  });

  it('--api beats VERGE_API_URL', async () => {
    const flags = { connectionString: cs('h') };
    await expect(resolveConnection({ ...flags, api: 'http://127.0.0.1:8080' }, { VERGE_API_URL: 'https://x:1' }, files({}))).resolves.toMatchObject({ apiUrl: 'http://127.0.0.1:8080' });
    await expect(resolveConnection(flags, { VERGE_API_URL: 'https://x:1' }, files({}))).resolves.toMatchObject({ apiUrl: 'https://x:1' });
  });

  it('the data dir CA: DIR/ca.pem, or the credentials caPath (relative to DIR)', async () => {
    const dir = resolve('/tmp/verge-test-cloud');
    const withCaPem = files({ [join(dir, 'credentials.json')]: credentials('h'), [join(dir, 'ca.pem')]: 'PEM-A' });
    await expect(resolveConnection({ data: dir }, {}, withCaPem)).resolves.toMatchObject({ caPem: 'PEM-A', caPath: join(dir, 'ca.pem') });
    const withCaPath = files({ [join(dir, 'credentials.json')]: credentials('h', { caPath: 'tls/root.pem' }), [join(dir, 'tls/root.pem')]: 'PEM-B' });
    await expect(resolveConnection({ data: dir }, {}, withCaPath)).resolves.toMatchObject({ caPem: 'PEM-B' });
    const noCa = files({ [join(dir, 'credentials.json')]: credentials('h') });
    expect(await resolveConnection({ data: dir }, {}, noCa)).not.toHaveProperty('caPem');
  });

  it('a connection string from flag or env does not pick up the default data dir CA (it may be another cloud)', async () => {
    const read = files({ [join(defaultDir, 'ca.pem')]: 'PEM' });
    expect(await resolveConnection({ connectionString: cs('h') }, {}, read)).not.toHaveProperty('caPem');
    // ... unless --data is given explicitly.
    await expect(resolveConnection({ connectionString: cs('h'), data: defaultDir }, {}, read)).resolves.toMatchObject({ caPem: 'PEM' });
  });

  it('--ca is read and wins', async () => {
    const read = files({ [resolve('/tmp/my-ca.pem')]: 'MINE', [join(defaultDir, 'credentials.json')]: credentials('h'), [join(defaultDir, 'ca.pem')]: 'DIR' });
    await expect(resolveConnection({ ca: '/tmp/my-ca.pem' }, {}, read)).resolves.toMatchObject({ caPem: 'MINE', caPath: resolve('/tmp/my-ca.pem') });
  });

  it.each([
    ['nothing anywhere', {}, {}, {}, 'CLI_CONNECTION_MISSING', `no service connection string: pass --connection-string, set VERGE_CONNECTION_STRING, or point --data at a cloud data directory (${join(defaultDir, 'credentials.json')} does not exist)`],
    ['a device connection string', { connectionString: `HostName=h;DeviceId=d;SharedAccessKey=${key}` }, {}, {}, 'CLI_ARGUMENT_INVALID', '--connection-string: expected a service connection string (HostName=…;SharedAccessKeyName=…;SharedAccessKey=…), got a device connection string'],
    ['a malformed env string', {}, { VERGE_CONNECTION_STRING: 'HostName=h;Bogus=1' }, {}, 'CLI_ARGUMENT_INVALID', /^VERGE_CONNECTION_STRING: invalid connection string: unknown field 'Bogus'/],
    ['credentials.json not JSON', {}, {}, { [join(defaultDir, 'credentials.json')]: '{' }, 'CLI_FILE_UNREADABLE', new RegExp(`^${join(defaultDir, 'credentials.json').replace(/[/.]/g, '\\$&')} is not valid JSON`)],
    ['credentials.json without the field', {}, {}, { [join(defaultDir, 'credentials.json')]: '{}' }, 'CLI_FILE_UNREADABLE', `${join(defaultDir, 'credentials.json')}: field "serviceConnectionString" must be a non-empty string`],
    ['--ca missing', { connectionString: cs('h'), ca: '/nope/ca.pem' }, {}, {}, 'CLI_FILE_UNREADABLE', /^--ca: cannot read \/nope\/ca\.pem: ENOENT/],
  ])('%s', async (_name, flags, env, fs, code, message) => {
    const error = await resolveConnection(flags, env, files(fs)).catch((e: unknown) => e);
    expect(isVergeError(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    if (typeof message === 'string') expect((error as Error).message).toBe(message);
    else expect((error as Error).message).toMatch(message);
  });
});
