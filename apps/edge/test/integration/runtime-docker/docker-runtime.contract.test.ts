import { randomUUID } from 'node:crypto';
import { describeModuleRuntimeContract } from '@verge/testkit';
import { DEFAULT_NODE_IMAGE_TAG, buildNodeImage, describeWithDocker, removeTestContainers } from '@verge/testkit/docker';
import { beforeAll } from 'vitest';
import { DockerModuleRuntime } from '../../../src/runtime/index.js';
import { dockerSpec, processSpec } from '../runtime-process/specs.js';

describeWithDocker('docker runtime', ({ docker, endpoint }) => {
  beforeAll(async () => {
    await buildNodeImage(docker, { tag: DEFAULT_NODE_IMAGE_TAG });
  });

  describeModuleRuntimeContract({
    name: 'docker runtime',
    make: async () => {
      const runId = randomUUID();
      return {
        open: async (ownerId) => new DockerModuleRuntime({ docker, endpoint, ownerId }),
        spec: (id, program, env) => dockerSpec(id, DEFAULT_NODE_IMAGE_TAG, runId, program, env),
        foreignSpec: (id) => processSpec(id, { script: '' }),
        keepsRunningAcrossRestart: true,
        dispose: async () => {
          await removeTestContainers(docker, runId);
        },
      };
    },
  });
});
