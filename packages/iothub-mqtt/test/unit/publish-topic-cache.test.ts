import { describe, expect, it } from 'vitest';
import { authorizePublish } from '@verge/core';
import { PublishTopicCache } from '../../src/publish-topic-cache.js';

// Issue 8: a connection's repeated telemetry topic is parsed once; every answer is the one authorizePublish gives.

const module = { deviceId: 'edge', moduleId: 'm' };
const output = 'devices/edge/modules/m/messages/events/%24.on=out1&color=red';

describe('PublishTopicCache', () => {
  it('answers a repeated telemetry topic with the first, frozen result, equal to authorizePublish', () => {
    const cache = new PublishTopicCache();
    const first = cache.authorize(module, output);
    expect(first).toEqual(authorizePublish(module, output));
    expect(cache.authorize(module, `${output}`)).toBe(first);
    if (!first.ok || first.value.kind !== 'telemetry') throw new Error('expected accepted telemetry');
    expect(Object.isFrozen(first.value.properties) && Object.isFrozen(first.value.systemProperties)).toBe(true);
    expect(() => {
      (first.value as { properties: Record<string, string> }).properties['color'] = 'blue';
    }).toThrow(TypeError);
  });

  it('parses again for another topic or identity, and never keeps refusals or $rid topics', () => {
    const cache = new PublishTopicCache();
    const first = cache.authorize(module, output);
    const other = cache.authorize(module, 'devices/edge/modules/m/messages/events/%24.on=out2');
    expect(other).not.toBe(first);
    expect(other.ok && other.value.kind === 'telemetry' && other.value.outputName).toBe('out2');
    const impostor = { deviceId: 'edge', moduleId: 'x' };
    const refused = cache.authorize(impostor, 'devices/edge/modules/m/messages/events/%24.on=out2');
    expect(refused).toEqual(authorizePublish(impostor, 'devices/edge/modules/m/messages/events/%24.on=out2'));
    expect(refused.ok).toBe(false);
    const twin = cache.authorize(module, '$iothub/twin/GET/?$rid=1');
    expect(cache.authorize(module, '$iothub/twin/GET/?$rid=1')).not.toBe(twin);
    expect(cache.authorize(module, 'devices/edge/modules/m/messages/events/%24.on=out2')).toBe(other);
    const bad = cache.authorize(module, 'devices/edge/modules/m/messages/events/%zz');
    expect(bad).toEqual(authorizePublish(module, 'devices/edge/modules/m/messages/events/%zz'));
  });
});
