import { describe, expect, it } from 'vitest';
import { parseBusUrl } from '../../../src/bus/bus-url.js';
import { busNames, fromSubjectToken, subjectToken } from '../../../src/bus/nats-subjects.js';

describe('bus names', () => {
  it('turns any device or module id into one subject token, reversibly', () => {
    const ids = ['plain-id_1', 'a.b', 'star*', 'gt>', '100%', "x!(),:=@$'?", '%2E', 'with space'];
    for (const id of ids) {
      const token = subjectToken(id);
      expect(token).not.toMatch(/[.*>\s]/u);
      expect(fromSubjectToken(token)).toBe(id);
    }
    expect(new Set(ids.map(subjectToken)).size).toBe(ids.length);
    expect(subjectToken('sensor.1')).toBe('sensor%2E1');
  });

  it('names subjects, the stream and the bucket under the prefix', () => {
    const n = busNames('my-cloud');
    expect(n.event('desiredPatched')).toBe('my-cloud.events.desiredPatched');
    expect(n.client({ deviceId: 'd.1', moduleId: 'm' })).toBe('my-cloud.client.d%2E1.m');
    expect(n.telemetry({ deviceId: 'd' })).toBe('my-cloud.telemetry.d');
    expect([n.allEvents, n.allTelemetry, n.telemetryStream, n.leaseBucket]).toEqual(['my-cloud.events.*', 'my-cloud.telemetry.>', 'MY_CLOUD_TELEMETRY', 'my-cloud-leases']);
    expect(() => busNames('bad.prefix')).toThrow();
  });
});

describe('bus URL', () => {
  it('takes nats:// or tls:// with an optional prefix', () => {
    expect(parseBusUrl('nats://127.0.0.1:4222')).toEqual({ server: 'nats://127.0.0.1:4222', prefix: 'verge' });
    expect(parseBusUrl('nats://u:p@host:4222?prefix=run-1')).toEqual({ server: 'nats://u:p@host:4222', prefix: 'run-1' });
    expect(parseBusUrl('tls://host')).toEqual({ server: 'tls://host', prefix: 'verge' });
  });

  it('refuses anything else with a reason', () => {
    for (const bad of ['127.0.0.1:4222', 'http://host', 'nats://host/path', 'nats://host?prefix=a.b', 'nats://host?other=1', 'not a url']) {
      expect(typeof parseBusUrl(bad), bad).toBe('string');
    }
  });
});
