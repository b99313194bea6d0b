import type { TwinView } from '@verge/core';

/** A device twin shaped as IoT Hub returns it (learn.microsoft.com/azure/iot-hub/query-twins sample, extended). */
export const deviceTwin: TwinView = {
  deviceId: 'dev1',
  etag: 'AAAAAAAAAAc=',
  status: 'enabled',
  connectionState: 'Connected',
  lastActivityTime: '2024-05-07T00:50:38.0543092Z',
  capabilities: { iotEdge: true },
  tags: {
    environment: 'prod',
    location: { region: 'US', plant: 'Redmond43' },
    building: 9,
    active: true,
    nothing: null,
    list: [1, 2],
    'a-b': 'dash',
    group: 'g1',
    owner: "operator's",
    empty: '',
  },
  properties: {
    desired: { $version: 4, telemetryConfig: { sendFrequencyInSecs: 300 } },
    reported: {
      $version: 7,
      lastDesiredVersion: 4,
      lastDesiredStatus: { code: 200 },
      telemetryConfig: { sendFrequencyInSecs: 300, status: 'Success' },
      connectivity: 'wifi',
    },
  },
};

/** The `$edgeAgent` module twin of dev1, with the `configurations` map IoT Hub maintains (reference §10.2, §10.4). */
export const edgeAgentTwin: TwinView = {
  deviceId: 'dev1',
  moduleId: '$edgeAgent',
  configurations: { 'base-1': { status: 'Applied' }, 'old-2': { status: 'Targeted' } },
  properties: {
    desired: { $version: 12 },
    reported: { lastDesiredVersion: 12, lastDesiredStatus: { code: 200 } },
  },
};
