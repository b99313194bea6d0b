import { describe, expect, it } from 'vitest';
import { EdgeConfigFileSchema } from '../../../src/config-file.js';
import { parseEdgeConfig } from '../../../src/config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const CS = `HostName=hub.example;DeviceId=edge1;SharedAccessKey=${KEY}`;
const USER = { isRoot: false };

// Issue 8 item 3: the hub's HTTPS port (direct methods from modules, MQTT over WebSockets) is 443 by default, as the
// Azure SDK dials it, and settable like the MQTT port: `--https-port`, or `httpsPort` in the installed config file.
describe('edge config: httpsPort', () => {
  it('defaults to 443, the port the SDK dials', () => {
    expect(parseEdgeConfig({ connectionString: CS }, {}, undefined, USER).httpsPort).toBe(443);
  });

  it('takes the flag over the config file, and 0 (a free port)', () => {
    const file = { path: '/data/config/edge.json', values: { connectionString: CS, httpsPort: 8443 } };
    expect(parseEdgeConfig({}, {}, file, USER).httpsPort).toBe(8443);
    expect(parseEdgeConfig({ httpsPort: 0 }, {}, file, USER).httpsPort).toBe(0);
    expect(EdgeConfigFileSchema.safeParse({ httpsPort: 443 }).success).toBe(true);
  });

  it('refuses a port out of range, naming the setting', () => {
    expect(() => parseEdgeConfig({ connectionString: CS, httpsPort: 70_000 }, {}, undefined, USER)).toThrow(/httpsPort/);
  });
});
