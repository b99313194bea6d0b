import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '@verge/testkit';
import { bundledEdgeStartCommand, bundleUnusableReason } from '../../src/runtime-loader.js';

// The bundle runs only while no build output it was made from is newer (a plain `tsc -b` after a change must not
// start yesterday's code).
describe('bundleUnusableReason', () => {
  const tmp = tempDir('verge-bundle-');
  afterAll(() => tmp.cleanup());
  const dist = join(tmp.dir, 'apps/edge/dist');
  const bundle = pathToFileURL(join(dist, 'edge-runtime.bundle.js'));
  const inputList = pathToFileURL(join(dist, 'edge-runtime.bundle.inputs.json'));
  const input = join(tmp.dir, 'packages/core/dist/index.js');
  const at = (file: string, sec: number): void => utimesSync(file, sec, sec);

  function build(inputs: readonly string[]): void {
    mkdirSync(dist, { recursive: true });
    mkdirSync(join(tmp.dir, 'packages/core/dist'), { recursive: true });
    writeFileSync(input, 'export {};');
    writeFileSync(bundle, 'export {};');
    writeFileSync(inputList, JSON.stringify(inputs));
    at(input, 1_000);
    at(bundle.pathname, 2_000);
  }

  it('accepts a bundle newer than every input', () => {
    build(['../../../packages/core/dist/index.js']);
    expect(bundleUnusableReason(bundle, inputList)).toBeUndefined();
  });

  it('refuses a bundle older than one of its inputs, naming it', () => {
    build(['../../../packages/core/dist/index.js']);
    at(input, 3_000);
    expect(bundleUnusableReason(bundle, inputList)).toContain('packages/core/dist/index.js');
  });

  it('hands `verge edge start` the bundled command only while the bundle is current and the command was bundled', () => {
    const command = new URL('edge-start-command.bundle.js', bundle);
    build(['../../../packages/core/dist/index.js']);
    expect(bundledEdgeStartCommand(command, bundle, inputList), 'no command bundle: the unbundled CLI').toBeUndefined();
    writeFileSync(command, 'export {};');
    expect(bundledEdgeStartCommand(command, bundle, inputList)).toBe(command.href);
    at(input, 3_000);
    expect(bundledEdgeStartCommand(command, bundle, inputList), 'a stale bundle: the unbundled CLI').toBeUndefined();
  });

  it('refuses a bundle whose input is gone, or that has no input list, or none at all', () => {
    build(['../../../packages/core/dist/gone.js']);
    expect(bundleUnusableReason(bundle, inputList)).toContain('gone.js');
    expect(bundleUnusableReason(bundle, new URL('missing.json', bundle))).toContain('not bundled');
    expect(bundleUnusableReason(new URL('missing.js', bundle), inputList)).toContain('not bundled');
  });
});
