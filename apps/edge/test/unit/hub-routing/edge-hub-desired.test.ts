import { describe, expect, it } from 'vitest';
import { evaluateEdgeHubDesired } from '../../../src/hub/routing/edge-hub-desired.js';

describe('evaluateEdgeHubDesired', () => {
  it('compiles a valid set with its TTL', () => {
    const r = evaluateEdgeHubDesired({
      schemaVersion: '1.1',
      routes: { a: 'FROM /messages/* INTO $upstream', b: { route: 'FROM /messages/modules/m/* INTO BrokeredEndpoint("/modules/n/inputs/i")', priority: 1, timeToLiveSecs: 30 } },
      storeAndForwardConfiguration: { timeToLiveSecs: 100 },
      $version: 7,
    });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.routes.map((x) => [x.name, x.endpointId, x.priority, x.ttlSecs])).toEqual([
        ['a', '$upstream', 2_000_000_000, 0],
        ['b', '/modules/n/inputs/i', 1, 30],
      ]);
      expect(r.config.storeAndForward?.timeToLiveSecs).toBe(100);
    }
  });

  it('refuses the whole set when one route does not compile, naming the route path (400)', () => {
    const r = evaluateEdgeHubDesired({
      schemaVersion: '1.1',
      routes: { good: 'FROM /messages/* INTO $upstream', bad: 'FROM /messages/* INTO nowhere' },
      storeAndForwardConfiguration: { timeToLiveSecs: 100 },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.status.code).toBe(400);
      expect(r.status.description).toContain('$edgeHub.properties.desired.routes.bad');
      expect(r.faults.map((f) => f.path)).toEqual(['$edgeHub.properties.desired.routes.bad']);
    }
  });

  it('refuses a schema fault with its path (400)', () => {
    const r = evaluateEdgeHubDesired({ schemaVersion: '1.1', routes: { a: 'FROM /* INTO $upstream' } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.status.code).toBe(400);
      expect(r.status.description).toBe('$edgeHub.properties.desired.storeAndForwardConfiguration: required');
    }
  });

  it('refuses an unsupported schema version and what is not an object', () => {
    for (const desired of [{ schemaVersion: '9.0', routes: {} }, 'routes', null, []]) {
      const r = evaluateEdgeHubDesired(desired);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.status.description).toMatch(/^\$edgeHub\.properties\.desired/);
    }
  });
});
