import { describe, expect, it } from 'vitest';
import { parseCloudConfig } from '../../../src/config.js';
import { parseStorageConnectionString, sdkHostName } from '../../../src/files/storage-connection-string.js';
import { expectVergeError } from '../../helpers/expect-error.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('parseStorageConnectionString', () => {
  it('takes BlobEndpoint (Azurite, path-style) as what devices dial', () => {
    const r = parseStorageConnectionString(`DefaultEndpointsProtocol=https;AccountName=shared;AccountKey=${KEY};BlobEndpoint=https://blob.example.com:10000/shared/;`);
    expect(r).toEqual({ accountName: 'shared', accountKey: KEY, blobEndpoint: 'https://blob.example.com:10000/shared' });
    expect(sdkHostName('https://blob.example.com:10000/shared')).toBe('blob.example.com:10000/shared');
  });

  it('derives the Azure endpoint from DefaultEndpointsProtocol and EndpointSuffix, field names in any case', () => {
    expect(parseStorageConnectionString(`defaultendpointsprotocol=https;AccountName=Acct1;accountkey=${KEY};EndpointSuffix=core.windows.net`)).toMatchObject({
      blobEndpoint: 'https://acct1.blob.core.windows.net',
    });
  });

  it.each([
    ['', 'AccountName is missing'],
    [`AccountKey=${KEY};BlobEndpoint=https://h/a`, 'AccountName is missing'],
    ['AccountName=a;BlobEndpoint=https://h/a', 'AccountKey is missing'],
    ['AccountName=a;AccountKey=not base64!;BlobEndpoint=https://h/a', 'AccountKey is not a base64 key'],
    [`AccountName=a;AccountKey=${KEY}`, 'BlobEndpoint is missing, and so is DefaultEndpointsProtocol+EndpointSuffix'],
    [`AccountName=a;AccountKey=${KEY};DefaultEndpointsProtocol=https`, 'BlobEndpoint is missing'],
    [`AccountName=a;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/a`, 'BlobEndpoint must be https://'],
    [`AccountName=a;AccountKey=${KEY};BlobEndpoint=nope`, "BlobEndpoint 'nope' is not a URL"],
    [`AccountName=a;AccountKey=${KEY};DefaultEndpointsProtocol=http;EndpointSuffix=core.windows.net`, 'DefaultEndpointsProtocol must be https'],
    ['AccountName=a;SharedAccessSignature=sv=x&sig=y;BlobEndpoint=https://h/a', 'SharedAccessSignature connection strings are not supported'],
    ['AccountName', "'AccountName…' is not a Name=value pair"],
  ])('names the problem of %j', (cs, problem) => {
    const r = parseStorageConnectionString(cs);
    expect(typeof r).toBe('string');
    expect(r).toContain(problem);
    expect(r).not.toContain(KEY);
  });
});

describe('the blob settings of the cloud configuration', () => {
  it("requires a connection string with 'external' and refuses one with 'azurite', naming the field", () => {
    expectVergeError(() => parseCloudConfig({ dataDir: '/tmp/x', blob: { store: 'external' } }), 'CLD_CONFIG_INVALID', /blob\.connectionString: is required with store 'external'/);
    const cs = `AccountName=a;AccountKey=${KEY};BlobEndpoint=https://h:1/a`;
    expectVergeError(() => parseCloudConfig({ dataDir: '/tmp/x', blob: { connectionString: cs } }), 'CLD_CONFIG_INVALID', /blob\.connectionString: applies to store 'external' only/);
    expectVergeError(
      () => parseCloudConfig({ dataDir: '/tmp/x', blob: { store: 'external', connectionString: `AccountName=a;AccountKey=${KEY}` } }),
      'CLD_CONFIG_INVALID',
      /blob\.connectionString: is not a usable Azure Storage connection string: BlobEndpoint is missing/,
    );
    expect(parseCloudConfig({ dataDir: '/tmp/x', blob: { store: 'external', connectionString: cs } }).blob).toMatchObject({ store: 'external', connectionString: cs });
  });

  it('keeps the account key out of the error message', () => {
    let message = '';
    try {
      parseCloudConfig({ dataDir: '/tmp/x', blob: { store: 'external', connectionString: `AccountName=a;AccountKey=${KEY}` } });
    } catch (e) {
      message = (e as Error).message + JSON.stringify((e as { details?: unknown }).details);
    }
    expect(message).not.toBe('');
    expect(message).not.toContain(KEY);
  });
});
