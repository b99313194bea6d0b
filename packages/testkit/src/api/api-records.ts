import type { Device, Module, Twin } from '@verge/api-client';

// Registry and twin records exactly as the service REST API returns them, for tests of what reads them (the API
// client, the CLI's tables). Keys are throwaway base64 strings.

const never = '0001-01-01T00:00:00Z';

/** A device as the API returns it. */
export function aDevice(overrides: Partial<Device> = {}): Device {
  return {
    deviceId: 'dev1',
    generationId: '638000000000000001',
    etag: 'MQ==',
    connectionState: 'Disconnected',
    status: 'enabled',
    statusReason: null,
    connectionStateUpdatedTime: never,
    statusUpdatedTime: never,
    lastActivityTime: never,
    cloudToDeviceMessageCount: 0,
    authentication: { type: 'sas', symmetricKey: { primaryKey: 'cHJpbWFyeS1rZXktMDEyMzQ1Ng==', secondaryKey: 'c2Vjb25kYXJ5LWtleS0wMTIzNA==' }, x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null } },
    capabilities: { iotEdge: false },
    ...overrides,
  };
}

/** A module as the API returns it. */
export function aModule(overrides: Partial<Module> = {}): Module {
  return {
    moduleId: 'mod1',
    managedBy: null,
    deviceId: 'dev1',
    generationId: '638000000000000002',
    etag: 'Mg==',
    connectionState: 'Disconnected',
    connectionStateUpdatedTime: never,
    lastActivityTime: never,
    cloudToDeviceMessageCount: 0,
    authentication: { type: 'sas', symmetricKey: { primaryKey: 'bW9kdWxlLXByaW1hcnkta2V5MQ==', secondaryKey: 'bW9kdWxlLXNlY29uZGFyeS1rZXk=' }, x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null } },
    ...overrides,
  };
}

/** A twin as the API returns it. */
export function aTwin(overrides: Partial<Twin> = {}): Twin {
  return {
    deviceId: 'dev1',
    etag: 'AAAAAAAAAAE=',
    status: 'enabled',
    statusUpdateTime: never,
    connectionState: 'Disconnected',
    lastActivityTime: never,
    cloudToDeviceMessageCount: 0,
    authenticationType: 'sas',
    x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
    modelId: '',
    version: 2,
    tags: { site: 'oslo' },
    properties: { desired: { $version: 1 }, reported: { $version: 1 } },
    capabilities: { iotEdge: false },
    ...overrides,
  };
}
