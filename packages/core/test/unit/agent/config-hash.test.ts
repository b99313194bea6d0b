import { describe, expect, it } from 'vitest';
import { canonicalImageRef, canonicalJson, configHash, hasImage, imageRegistry, registryCredentialFor } from '@verge/core';
import { aModule, aProcessModule } from './builders.js';

describe('canonicalJson', () => {
  const rows: [unknown, string][] = [
    [{ b: 1, a: [3, { d: null, c: 'x' }] }, '{"a":[3,{"c":"x","d":null}],"b":1}'],
    [{ a: undefined, b: true }, '{"b":true}'],
    [[undefined, 1], '[null,1]'],
    ['é\u2028', '"é\u2028"'],
    [{ __proto__: 1, Z: 2, a: 3 }, '{"Z":2,"a":3}'],
  ];
  it.each(rows)('%j → %s', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('keeps an own __proto__ key', () => {
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":0}'))).toBe('{"__proto__":{"x":1},"a":0}');
  });
});

describe('configHash', () => {
  const base = aModule('m', { env: { A: '1', B: '2' }, createOptions: { HostConfig: { Binds: ['/a:/a'], Privileged: false }, Env: ['X=1'] } });

  it('is a 64-digit hex SHA-256, stable across calls', () => {
    expect(configHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(configHash(base)).toBe(configHash(structuredClone(base)));
  });

  it('ignores key order in createOptions and env', () => {
    const reordered = aModule('m', { env: { B: '2', A: '1' }, createOptions: { Env: ['X=1'], HostConfig: { Privileged: false, Binds: ['/a:/a'] } } });
    expect(configHash(reordered)).toBe(configHash(base));
  });

  const same: [string, unknown][] = [
    ['status', { ...base, status: 'stopped' }],
    ['configuration id', { ...base, configurationId: 'layer-1' }],
    ['createOptionsJson spelling', { ...base, settings: { ...base.settings, createOptionsJson: ' { } ' } }],
  ];
  it.each(same)('does not change with %s (start/stop only, reference §2.4)', (_name, spec) => {
    expect(configHash(spec as typeof base)).toBe(configHash(base));
  });

  const different: [string, unknown][] = [
    ['version', { ...base, version: '1.1' }],
    ['no version', { ...base, version: undefined }],
    ['restartPolicy', { ...base, restartPolicy: 'never' }],
    ['imagePullPolicy', { ...base, imagePullPolicy: 'never' }],
    ['startupOrder', { ...base, startupOrder: 3 }],
    ['env value', { ...base, env: { A: '1', B: '3' } }],
    ['env name', { ...base, env: { A: '1' } }],
    ['image', { ...base, settings: { ...base.settings, image: 'example.azurecr.io/m:1.1' } }],
    ['createOptions', { ...base, settings: { ...base.settings, createOptions: { HostConfig: { Binds: ['/a:/b'], Privileged: false }, Env: ['X=1'] } } }],
    ['array order in createOptions', { ...base, settings: { ...base.settings, createOptions: { HostConfig: { Binds: ['/a:/a'], Privileged: false }, Env: ['X=1', 'Y=2'] } } }],
  ];
  it.each(different)('changes with %s (any change other than status recreates, reference §2.4)', (_name, spec) => {
    expect(configHash(spec as typeof base)).not.toBe(configHash(base));
  });

  it('reads an absent version as "" like EA', () => {
    expect(configHash({ ...base, version: undefined })).toBe(configHash({ ...base, version: '' }));
  });

  it('changes with the runtime fingerprint and the runtime type', () => {
    expect(configHash(base, 'x')).not.toBe(configHash(base));
    expect(configHash(base, '')).toBe(configHash(base));
    const p = aProcessModule('m');
    expect(configHash(p)).not.toBe(configHash({ ...p, settings: { ...p.settings, args: ['other.js'] } }));
    expect(configHash(p)).not.toBe(configHash({ ...p, settings: { ...p.settings, cwd: '/srv' } }));
  });
});

describe('image references', () => {
  const rows: [string, string, string][] = [
    ['alpine', 'docker.io', 'docker.io/library/alpine:latest'],
    ['alpine:3.20', 'docker.io', 'docker.io/library/alpine:3.20'],
    ['library/alpine:3.20', 'docker.io', 'docker.io/library/alpine:3.20'],
    ['index.docker.io/alpine', 'docker.io', 'docker.io/library/alpine:latest'],
    ['user/app:1', 'docker.io', 'docker.io/user/app:1'],
    ['example.azurecr.io/sensor:1.0', 'example.azurecr.io', 'example.azurecr.io/sensor:1.0'],
    ['localhost:5000/x', 'localhost:5000', 'localhost:5000/x:latest'],
    [`redis:7@sha256:${'a'.repeat(64)}`, 'docker.io', `docker.io/library/redis@sha256:${'a'.repeat(64)}`],
  ];
  it.each(rows)('%s: registry %s, canonical %s', (ref, registry, canonical) => {
    expect(imageRegistry(ref)).toBe(registry);
    expect(canonicalImageRef(ref)).toBe(canonical);
  });

  it('finds images under any spelling, and image ids verbatim', () => {
    expect(hasImage(new Set(['alpine:latest']), 'docker.io/library/alpine')).toBe(true);
    expect(hasImage(new Set(['alpine:3.19']), 'alpine')).toBe(false);
    expect(hasImage(new Set([`sha256:${'b'.repeat(64)}`]), `sha256:${'b'.repeat(64)}`)).toBe(true);
  });

  it('picks the credential whose address is the registry', () => {
    const credentials = {
      zeta: { username: 'u', password: 'p', address: 'https://Example.azurecr.io/' },
      alpha: { username: 'u', password: 'p', address: 'example.azurecr.io' },
      hub: { username: 'u', password: 'p', address: 'index.docker.io' },
    };
    expect(registryCredentialFor('example.azurecr.io/m:1', credentials)).toBe('alpha');
    expect(registryCredentialFor('busybox', credentials)).toBe('hub');
    expect(registryCredentialFor('other.io/m', credentials)).toBeUndefined();
  });
});
