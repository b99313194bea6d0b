import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { parseEdgeConfig } from '../../../src/config.js';

// `--module-network` / config key `moduleNetwork`: the Docker network container modules join when their
// createOptions ask for no other (issue 8 item 5).

const KEY = Buffer.alloc(32, 7).toString('base64');
const CS = `HostName=hub.example;DeviceId=edge1;SharedAccessKey=${KEY}`;
const HOST = { isRoot: false };

describe('moduleNetwork setting', () => {
  it("defaults to Azure's azure-iot-edge", () => {
    expect(parseEdgeConfig({ connectionString: CS }, {}, undefined, HOST).moduleNetwork).toBe('azure-iot-edge');
  });

  it('comes from the config file, and a flag overrides the file', () => {
    const file = { path: '/data/config/edge.json', values: { connectionString: CS, moduleNetwork: 'from-file' } };
    expect(parseEdgeConfig({}, {}, file, HOST).moduleNetwork).toBe('from-file');
    expect(parseEdgeConfig({ moduleNetwork: 'from-flag' }, {}, file, HOST).moduleNetwork).toBe('from-flag');
  });

  it.each(['', '-leading-dash', 'has space', 'a/b', 'x'.repeat(129)])('refuses %j naming the setting', (name) => {
    let message = '';
    try {
      parseEdgeConfig({ connectionString: CS, moduleNetwork: name }, {}, undefined, HOST);
    } catch (e) {
      if (!isVergeError(e, 'EDGE_CONFIG_INVALID')) throw e;
      message = e.message;
    }
    expect(message).toMatch(/moduleNetwork: must be a Docker network name/);
  });
});
