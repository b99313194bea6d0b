import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeModuleRuntimeContract } from '@verge/testkit';
import { ProcessModuleRuntime } from '../../../src/runtime/index.js';
import { dockerSpec, processSpec } from './specs.js';

describeModuleRuntimeContract({
  name: 'process runtime',
  make: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verge-process-runtime-'));
    return {
      open: (ownerId) => ProcessModuleRuntime.open({ dataDir: join(dir, ownerId), orphanStopTimeoutMs: 1_000 }),
      spec: processSpec,
      foreignSpec: (id) => dockerSpec(id, 'busybox:latest', 'none', { script: '' }),
      keepsRunningAcrossRestart: false,
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  },
});
