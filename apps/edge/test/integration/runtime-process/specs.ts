import type { DockerModuleSpec, ProcessModuleSpec } from '@verge/contracts';
import type { ModuleProgram } from '@verge/testkit';

/** A process module running `program` with this host's node. */
export function processSpec(id: string, program: ModuleProgram, env: Record<string, string> = {}): ProcessModuleSpec {
  const settings = 'script' in program ? { command: process.execPath, args: ['-e', program.script] } : { command: `/nonexistent/verge-test/${id}`, args: [] };
  return { id, version: '1.0', type: 'process', status: 'running', restartPolicy: 'always', startupOrder: 0, imagePullPolicy: 'on-create', env, settings };
}

/** A docker module running `program` in `image` with host networking, labelled with the test run. */
export function dockerSpec(id: string, image: string, runId: string, program: ModuleProgram, env: Record<string, string> = {}): DockerModuleSpec {
  const cmd = 'script' in program ? ['node', '-e', program.script] : [`/nonexistent/verge-test/${id}`];
  const createOptions = { Cmd: cmd, HostConfig: { NetworkMode: 'host' }, Labels: { 'verge-test-run': runId } };
  return {
    id,
    version: '1.0',
    type: 'docker',
    status: 'running',
    restartPolicy: 'always',
    startupOrder: 0,
    imagePullPolicy: 'never',
    env,
    settings: { image, createOptions, createOptionsJson: JSON.stringify(createOptions) },
  };
}
