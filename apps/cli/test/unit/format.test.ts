import { describe, expect, it } from 'vitest';
import type { TelemetryMessage } from '@verge/api-client';
import { aDevice, aModule, aTwin } from '@verge/testkit';
import { formatTable } from '../../src/cli/table.js';
import { deviceDetails, deviceTable, moduleTable, parentOf, scopeDeviceId } from '../../src/format/identity-format.js';
import { recordTable } from '../../src/format/records-format.js';
import { telemetryJsonLine, telemetryText, viewBody } from '../../src/format/telemetry-format.js';
import { isTwin, twinDetails, twinTable } from '../../src/format/twin-format.js';

describe('formatTable', () => {
  it('aligns columns with two spaces, upper-case headers, no trailing blanks, control characters blanked', () => {
    const lines = formatTable(
      [
        { header: 'id', cell: (r: { id: string; v: string }) => r.id },
        { header: 'value', cell: (r) => r.v },
      ],
      [
        { id: 'a', v: 'x' },
        { id: 'longer-id', v: 'line\nbreak' },
      ],
    );
    expect(lines).toEqual(['ID         VALUE', 'a          x', 'longer-id  line break']);
  });
});

describe('identities', () => {
  it.each([
    ['ms-azure-iot-edge://edge-1-638000000000000001', 'edge-1'],
    ['ms-azure-iot-edge://edge1', 'edge1'],
    ['other://x', undefined],
    [undefined, undefined],
  ])('scopeDeviceId(%s) = %s', (scope, id) => expect(scopeDeviceId(scope)).toBe(id));

  it('parent of a leaf is in deviceScope, of an edge child in parentScopes', () => {
    expect(parentOf({ capabilities: { iotEdge: false }, deviceScope: 'ms-azure-iot-edge://gw-1' })).toBe('gw');
    expect(parentOf({ capabilities: { iotEdge: true }, deviceScope: 'ms-azure-iot-edge://self-2', parentScopes: ['ms-azure-iot-edge://top-1'] })).toBe('top');
    expect(parentOf({ capabilities: { iotEdge: true }, deviceScope: 'ms-azure-iot-edge://self-2' })).toBeUndefined();
  });

  it('device table', () => {
    const rows = [
      aDevice({}),
      aDevice({ deviceId: 'edge1', capabilities: { iotEdge: true }, connectionState: 'Connected', lastActivityTime: '2024-05-01T10:00:00.000Z', deviceScope: 'ms-azure-iot-edge://edge1-5' }),
      aDevice({ deviceId: 'leaf', deviceScope: 'ms-azure-iot-edge://edge1-5', status: 'disabled' }),
    ];
    expect(deviceTable(rows)).toEqual([
      'DEVICE ID  TYPE    STATUS    CONNECTION    AUTH  PARENT  LAST ACTIVITY',
      'dev1       device  enabled   Disconnected  sas   -       -',
      'edge1      edge    enabled   Connected     sas   -       2024-05-01T10:00:00.000Z',
      'leaf       device  disabled  Disconnected  sas   edge1   -',
    ]);
  });

  it('device details never print keys', () => {
    const lines = deviceDetails(
      aDevice({
        authentication: { type: 'selfSigned', symmetricKey: { primaryKey: null, secondaryKey: null }, x509Thumbprint: { primaryThumbprint: 'ABCD', secondaryThumbprint: null } },
      }),
    );
    expect(lines).toEqual([
      'Device ID:      dev1',
      'Type:           device',
      'Status:         enabled',
      'Connection:     Disconnected (since -)',
      'Authentication: selfSigned (ABCD)',
      'Parent:         -',
      'Device scope:   -',
      'C2D queued:     0',
      'Last activity:  -',
      'ETag:           MQ==',
    ]);
    const withKeys = aDevice({});
    const printed = deviceDetails(withKeys).join('\n');
    expect(printed).not.toContain(withKeys.authentication.symmetricKey.primaryKey);
    expect(printed).not.toContain(withKeys.authentication.symmetricKey.secondaryKey);
  });

  it('module table', () => {
    expect(
      moduleTable([aModule({ moduleId: '$edgeAgent', managedBy: 'iotEdge', deviceId: 'e', connectionState: 'Connected' })]),
    ).toEqual(['MODULE ID   CONNECTION  AUTH  MANAGED BY  LAST ACTIVITY', '$edgeAgent  Connected   sas   iotEdge     -']);
  });
});

const twin = aTwin({
  etag: 'AAAAAAAAAAI=',
  connectionState: 'Connected',
  version: 3,
  properties: {
    desired: { fan: true, $version: 2, $metadata: { $lastUpdated: 'x' } },
    reported: { temp: 21, $version: 5, $metadata: { $lastUpdated: 'y' } },
  },
});

describe('twins', () => {
  it('twin details leave out $metadata', () => {
    expect(twinDetails(twin)).toEqual([
      'Twin dev1  (etag AAAAAAAAAAI=, version 3, Connected)',
      'tags:',
      '  {',
      '    "site": "oslo"',
      '  }',
      'desired ($version 2):',
      '  {',
      '    "fan": true',
      '  }',
      'reported ($version 5):',
      '  {',
      '    "temp": 21',
      '  }',
    ]);
  });

  it('query results: twins get the device table, projections a generic one', () => {
    expect(isTwin(twin)).toBe(true);
    expect(isTwin({ deviceId: 'x' })).toBe(false);
    expect(twinTable([twin])[1]).toBe('dev1       device  enabled  Connected   sas   -       -');
    expect(recordTable([{ n: 3 }])).toEqual(['N', '3']);
    expect(recordTable([{ deviceId: 'a', tags: { s: 1 } }, { deviceId: 'b', extra: 'x' }])).toEqual(['DEVICEID  TAGS     EXTRA', 'a         {"s":1}  -', 'b         -        x']);
  });
});

describe('telemetry', () => {
  const message = (body: Uint8Array, moduleId?: string): TelemetryMessage => ({
    sequenceNumber: 9,
    deviceId: 'dev1',
    ...(moduleId === undefined ? {} : { moduleId }),
    enqueuedTime: '2024-05-01T10:00:00.000Z',
    systemProperties: { connectionDeviceId: 'dev1', messageId: 'm1', contentType: 'application/json' },
    properties: { alert: 'true' },
    body,
  });
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

  it.each([
    [utf8('{"temp":21}'), { encoding: 'json', value: { temp: 21 } }],
    [utf8('hello'), { encoding: 'utf8', value: 'hello' }],
    [utf8(''), { encoding: 'utf8', value: '' }],
    [new Uint8Array([0xff, 0xfe, 0x00]), { encoding: 'base64', value: '//4A' }],
  ])('viewBody %#', (body, view) => expect(viewBody(body)).toEqual(view));

  it('text view', () => {
    expect(telemetryText(message(utf8('{"temp": 21}'), 'mod1'))).toEqual([
      '2024-05-01T10:00:00.000Z  dev1/mod1',
      '  properties: alert=true',
      '  system:     messageId=m1  contentType=application/json',
      '  body:       {"temp":21}',
    ]);
    expect(telemetryText(message(new Uint8Array([1, 2])))[3]).toBe('  body:       (2 bytes, base64) AQI=');
  });

  it('JSON line has a stable shape', () => {
    expect(JSON.parse(telemetryJsonLine(message(utf8('hi'))))).toEqual({
      sequenceNumber: 9,
      enqueuedTime: '2024-05-01T10:00:00.000Z',
      deviceId: 'dev1',
      moduleId: null,
      properties: { alert: 'true' },
      systemProperties: { connectionDeviceId: 'dev1', messageId: 'm1', contentType: 'application/json' },
      body: 'hi',
      bodyEncoding: 'utf8',
    });
    expect(telemetryJsonLine(message(utf8('hi')))).not.toContain('\n');
  });
});
