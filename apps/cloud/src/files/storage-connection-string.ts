/** What the cloud needs of an Azure Storage connection string: the account, its shared key and the blob endpoint. */
export interface StorageAccount {
  readonly accountName: string;
  /** Base64, as the portal shows it. A secret: never logged. */
  readonly accountKey: string;
  /** `https://host[:port][/path]` without a trailing slash: what the cloud and the devices dial for blobs. */
  readonly blobEndpoint: string;
}

/**
 * Parses an Azure Storage connection string (`DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;
 * EndpointSuffix=core.windows.net`, or with `BlobEndpoint=https://host:port/account` for Azurite or a custom
 * domain). The blob endpoint is `BlobEndpoint`, else `https://{AccountName}.blob.{EndpointSuffix}`; it must be
 * HTTPS because the device SDK's uploader always dials `https://`. Returns the parsed account, or a sentence
 * naming the missing or invalid field (never the key itself).
 */
export function parseStorageConnectionString(value: string): StorageAccount | string {
  const fields = new Map<string, string>();
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return `'${part.slice(0, 40).split('=')[0] ?? ''}…' is not a Name=value pair (fields are separated by ';')`;
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  if (fields.has('sharedaccesssignature') && !fields.has('accountkey')) {
    return 'SharedAccessSignature connection strings are not supported: the cloud signs SAS tokens itself and needs AccountKey';
  }
  const accountName = fields.get('accountname') ?? '';
  if (accountName === '') return 'AccountName is missing';
  if (!/^[a-z0-9-]{1,63}$/i.test(accountName)) return `AccountName '${accountName.slice(0, 64)}' is not a storage account name (letters, digits, '-')`;
  const accountKey = fields.get('accountkey') ?? '';
  if (accountKey === '') return 'AccountKey is missing';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(accountKey) || Buffer.from(accountKey, 'base64').length < 16) return 'AccountKey is not a base64 key (as the portal shows it)';
  const endpoint = blobEndpointOf(fields, accountName);
  if (endpoint.startsWith('!')) return endpoint.slice(1);
  return { accountName, accountKey, blobEndpoint: endpoint };
}

// The endpoint, or '!' followed by the problem.
function blobEndpointOf(fields: ReadonlyMap<string, string>, accountName: string): string {
  const explicit = fields.get('blobendpoint');
  if (explicit !== undefined && explicit !== '') {
    let url: URL;
    try {
      url = new URL(explicit);
    } catch {
      return `!BlobEndpoint '${explicit.slice(0, 100)}' is not a URL`;
    }
    if (url.protocol !== 'https:') return `!BlobEndpoint must be https:// (devices' SDK uploads over HTTPS only), not ${url.protocol}//`;
    if (url.search !== '' || url.hash !== '' || url.username !== '') return '!BlobEndpoint must be https://host[:port][/path] without query, fragment or credentials';
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }
  const protocol = fields.get('defaultendpointsprotocol');
  const suffix = fields.get('endpointsuffix');
  if (protocol === undefined || suffix === undefined || suffix === '') {
    return '!BlobEndpoint is missing, and so is DefaultEndpointsProtocol+EndpointSuffix to derive it from (e.g. DefaultEndpointsProtocol=https;EndpointSuffix=core.windows.net)';
  }
  if (protocol.toLowerCase() !== 'https') return `!DefaultEndpointsProtocol must be https (devices' SDK uploads over HTTPS only), not '${protocol.slice(0, 20)}'`;
  if (!/^[a-z0-9.-]+$/i.test(suffix)) return `!EndpointSuffix '${suffix.slice(0, 100)}' is not a DNS suffix`;
  return `https://${accountName.toLowerCase()}.blob.${suffix}`;
}

/** `https://host:port/path` → `host:port/path`: the `hostName` of IoT Hub's SAS answer (the SDK prepends `https://`). */
export function sdkHostName(blobEndpoint: string): string {
  return blobEndpoint.replace(/^https:\/\//, '');
}
