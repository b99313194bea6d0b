import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/main.js';

const fixture = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'verge-cli-'));
const file = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

let stdout: string[];
let stderr: string[];
beforeEach(() => {
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());
const run = (...args: string[]): Promise<number> => main(['node', 'verge', ...args]);
const out = (): string => stdout.join('');

describe('verge manifest validate', () => {
  it('prints OK and exits 0 for a valid manifest', async () => {
    expect(await run('manifest', 'validate', fixture('deployment.json'))).toBe(0);
    expect(out()).toBe('OK\n');
  });

  it('prints every fault with its path and exits 1', async () => {
    const bad = file('bad.json', {
      modulesContent: {
        $edgeAgent: {
          'properties.desired': {
            schemaVersion: '1.1',
            runtime: { type: 'docker', settings: {} },
            systemModules: { edgeAgent: { type: 'docker', settings: { image: 'a:1' } }, edgeHub: { type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'h:1' } } },
            modules: { sensor: { type: 'docker', settings: { image: 's:1' } }, other: { type: 'docker', status: 'running', restartPolicy: 'sometimes', settings: { image: 'o:1' } } },
          },
        },
        $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes: {}, storeAndForwardConfiguration: { timeToLiveSecs: 10 } } },
      },
    });
    expect(await run('manifest', 'validate', bad)).toBe(1);
    const lines = out().trimEnd().split('\n');
    expect(lines).toContain('$edgeAgent.properties.desired.modules.sensor.status: required');
    expect(lines.some((l) => l.startsWith('$edgeAgent.properties.desired.modules.other.restartPolicy: '))).toBe(true);
    expect(stderr.join('')).toMatch(/^2 faults in /);
  });

  it('reports route compile errors at the route path', async () => {
    const manifest = JSON.parse(JSON.stringify(await import(fixture('deployment.json'), { with: { type: 'json' } }))).default;
    manifest.modulesContent.$edgeHub['properties.desired'].routes.broken = 'FROM /messages/* WHERE temp > 30 INTO $upstream';
    expect(await run('manifest', 'validate', '--json', file('route.json', manifest))).toBe(1);
    const answer = JSON.parse(out());
    expect(answer.ok).toBe(false);
    expect(answer.faults).toHaveLength(1);
    expect(answer.faults[0]).toMatchObject({ path: '$edgeHub.properties.desired.routes.broken', rule: 'route', statusCode: 400 });
    expect(answer.faults[0].message).toMatch(/^\$edgeHub\.properties\.desired\.routes\.broken: Route "broken"/);
  });

  it.each([
    ['not JSON', '{ nope', 1, /^\$: not valid JSON: /],
    ['an array', '[]', 1, /^\$?[^\n]*: /],
  ])('treats %s as a fault of the manifest', async (_what, text, code, message) => {
    expect(await run('manifest', 'validate', file('x.json', text))).toBe(code);
    expect(out()).toMatch(message);
  });

  it('exits 2 when the file cannot be read', async () => {
    expect(await run('manifest', 'validate', '/nonexistent/m.json')).toBe(2);
    expect(stderr.join('')).toMatch(/^error: cannot read \/nonexistent\/m\.json: ENOENT/);
  });
});

describe('verge route test', () => {
  it('answers the endpoints with priority, effective TTL and route in --json', async () => {
    expect(await run('route', 'test', '--manifest', fixture('deployment.json'), '--message', fixture('alert-message.json'), '--json')).toBe(0);
    expect(JSON.parse(out())).toEqual({
      endpoints: [
        { endpoint: '$upstream', priority: 1, ttlSecs: 3600, route: 'sensorToCloud' },
        { endpoint: '/modules/filter/inputs/in1', priority: 2000000000, ttlSecs: 7200, route: 'toFilter' },
      ],
    });
  });

  it('explains every route in human output', async () => {
    expect(await run('route', 'test', '--manifest', fixture('deployment.json'), '--message', fixture('alert-message.json'))).toBe(0);
    const text = out();
    expect(text).toContain('source: /messages/modules/sensor/outputs/alert/');
    expect(text).toContain('+ sensorToCloud: matched');
    expect(text).toContain('+ alerts: outranked');
    expect(text).toContain('+ toFilter: matched');
  });

  it.each([
    ['a leaf message', { systemProperties: { connectionDeviceId: 'leaf' }, body: 'x' }, []],
    ['a low level', { systemProperties: { connectionDeviceId: 'e', connectionModuleId: 'sensor', outputName: 'other', contentType: 'application/json', contentEncoding: 'utf-8' }, body: { level: 1 } }, ['$upstream']],
    ['a utf-16 body', { systemProperties: { connectionDeviceId: 'e', connectionModuleId: 'sensor', outputName: 'alert', contentType: 'application/json', contentEncoding: 'utf-16' }, body: { level: 9 } }, ['$upstream', '/modules/filter/inputs/in1']],
  ])('routes %s', async (_what, message, endpoints) => {
    expect(await run('route', 'test', '--manifest', fixture('deployment.json'), '--message', file('m.json', message), '--json')).toBe(0);
    expect(JSON.parse(out()).endpoints.map((e: { endpoint: string }) => e.endpoint)).toEqual(endpoints);
  });

  it('names the problem in a bad message file and exits 2', async () => {
    const bad = file('bad-msg.json', { systemProperties: { connectionModuleId: 'sensor' }, properties: { n: 1 } });
    expect(await run('route', 'test', '--manifest', fixture('deployment.json'), '--message', bad)).toBe(2);
    const err = stderr.join('');
    expect(err).toContain('$.systemProperties: connectionDeviceId is required');
    expect(err).toContain('$.properties.n: ');
  });

  it('refuses an invalid manifest with its faults and exits 2', async () => {
    const bad = file('bad-manifest.json', { modulesContent: {} });
    expect(await run('route', 'test', '--manifest', bad, '--message', fixture('alert-message.json'))).toBe(2);
    expect(stderr.join('')).toMatch(/is not a valid deployment manifest:\n\$edgeAgent/);
  });
});
