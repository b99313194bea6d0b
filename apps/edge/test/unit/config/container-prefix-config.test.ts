import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerModuleSpec } from '@verge/contracts';
import { isVergeError } from '@verge/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { installEdgeConfig } from '../../../src/config-file.js';
import { parseEdgeConfig } from '../../../src/config.js';
import { containerCreateOptions, containerNameFor } from '../../../src/runtime/index.js';

// `--container-prefix` / config key `containerPrefix` (issue 11): put in front of container names, so several
// edge runtimes on one Docker engine can run the same module ids.

const KEY = Buffer.alloc(32, 7).toString('base64');
const CS = `HostName=hub.example;DeviceId=edge1;SharedAccessKey=${KEY}`;
const HOST = { isRoot: false };
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function refusal(prefix: unknown): string {
  try {
    parseEdgeConfig({ connectionString: CS, containerPrefix: prefix }, {}, undefined, HOST);
  } catch (e) {
    if (isVergeError(e, 'EDGE_CONFIG_INVALID')) return e.message;
    throw e;
  }
  return 'accepted';
}

describe('containerPrefix setting', () => {
  it("defaults to none: containers keep Azure's names (the module id)", () => {
    expect(parseEdgeConfig({ connectionString: CS }, {}, undefined, HOST).containerPrefix).toBe('');
  });

  it('comes from the config file, and a flag overrides the file', () => {
    const file = { path: '/data/config/edge.json', values: { connectionString: CS, containerPrefix: 'file-' } };
    expect(parseEdgeConfig({}, {}, file, HOST).containerPrefix).toBe('file-');
    expect(parseEdgeConfig({ containerPrefix: 'flag_' }, {}, file, HOST).containerPrefix).toBe('flag_');
  });

  it.each(['edge1-', 'E', 'site.a_1-', '0', 'x'.repeat(64)])('accepts %j', (prefix) => {
    expect(parseEdgeConfig({ connectionString: CS, containerPrefix: prefix }, {}, undefined, HOST).containerPrefix).toBe(prefix);
  });

  it.each(['-edge', '_edge', '.edge', 'has space', 'a/b', 'edge:1', 'édge', 'x'.repeat(65)])('refuses %j naming the setting and the rule', (prefix) => {
    expect(refusal(prefix)).toMatch(/^invalid edge configuration: containerPrefix: must be empty or the start of a Docker container name .*\(--container-prefix\)$/);
  });

  it('refuses a config file with a bad prefix, naming the file and the setting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verge-prefix-'));
    dirs.push(dir);
    const source = join(dir, 'edge.json');
    await writeFile(source, JSON.stringify({ connectionString: CS, containerPrefix: 'bad prefix' }));
    const refused = await installEdgeConfig(source, join(dir, 'data')).catch((e: unknown) => e);
    expect(isVergeError(refused, 'EDGE_CONFIG_FILE_INVALID')).toBe(true);
    expect((refused as Error).message).toMatch(new RegExp(`^edge config file ${source}: containerPrefix: must be empty or the start of a Docker container name`));
  });
});

describe('container names behind a prefix', () => {
  it('puts the prefix in front of the module name, sanitised ids included, and nothing without one', () => {
    expect(containerNameFor('sensor', 'edge1-')).toBe('edge1-sensor');
    expect(containerNameFor('sensor', '')).toBe('sensor');
    expect(containerNameFor('sensor')).toBe('sensor');
    expect(containerNameFor('$edgeHub', 'edge1-')).toBe(`edge1-${containerNameFor('$edgeHub')}`);
    expect(containerNameFor('$edgeHub', 'edge1-')).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
  });

  it('names the created container with the prefix; the module id label stays the bare id', () => {
    const createOptions = {};
    const spec: DockerModuleSpec = {
      id: 'sensor',
      type: 'docker',
      status: 'running',
      restartPolicy: 'always',
      startupOrder: 0,
      imagePullPolicy: 'on-create',
      env: {},
      settings: { image: 'img:1', createOptions, createOptionsJson: '{}' },
    };
    const options = containerCreateOptions({ spec, ownerId: 'owner-1', containerPrefix: 'edge2-', configHash: 'h', env: {} });
    expect(options.name).toBe('edge2-sensor');
    expect((options['Labels'] as Record<string, string>)['org.verge.module-id']).toBe('sensor');
  });
});
