import { describe, expect, test } from 'vitest';
import { resolveDockerEndpoint } from '@verge/testkit/docker';

describe('resolveDockerEndpoint', () => {
  test.each([
    {
      env: {},
      description: 'unix:///var/run/docker.sock (DOCKER_HOST is not set)',
      options: { socketPath: '/var/run/docker.sock', host: undefined, port: undefined, protocol: undefined },
    },
    {
      env: { DOCKER_HOST: '' },
      description: 'unix:///var/run/docker.sock (DOCKER_HOST is not set)',
      options: { socketPath: '/var/run/docker.sock', host: undefined, port: undefined, protocol: undefined },
    },
    {
      env: { DOCKER_HOST: 'unix:///run/verge-ci-docker.sock' },
      description: 'DOCKER_HOST=unix:///run/verge-ci-docker.sock',
      options: { socketPath: '/run/verge-ci-docker.sock', host: undefined, port: undefined, protocol: undefined },
    },
    {
      env: { DOCKER_HOST: 'tcp://127.0.0.1:2375' },
      description: 'DOCKER_HOST=tcp://127.0.0.1:2375',
      options: { host: '127.0.0.1', port: 2375, protocol: 'http', socketPath: undefined },
    },
    {
      env: { DOCKER_HOST: 'tcp://localhost' },
      description: 'DOCKER_HOST=tcp://localhost',
      options: { host: 'localhost', port: 2375, protocol: 'http', socketPath: undefined },
    },
  ])('$description', ({ env, description, options }) => {
    expect(resolveDockerEndpoint(env)).toEqual({ ok: true, description, options });
  });

  test.each([
    { env: { DOCKER_HOST: 'unix://relative.sock' }, reason: 'DOCKER_HOST=unix://relative.sock must name an absolute socket path (unix:///path/to/docker.sock)' },
    { env: { DOCKER_HOST: 'ssh://me@host' }, reason: 'DOCKER_HOST=ssh://me@host uses a scheme the testkit does not support (use unix:// or tcp://)' },
    { env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' }, reason: 'DOCKER_HOST=npipe:////./pipe/docker_engine uses a scheme the testkit does not support (use unix:// or tcp://)' },
    {
      env: { DOCKER_HOST: 'tcp://127.0.0.1:2375', DOCKER_TLS_VERIFY: '1' },
      reason: 'DOCKER_HOST=tcp://127.0.0.1:2375 with DOCKER_TLS_VERIFY=1: TLS engines are not supported by the testkit',
    },
    { env: { DOCKER_HOST: 'tcp://127.0.0.1:2376' }, reason: 'DOCKER_HOST=tcp://127.0.0.1:2376 needs a host and a plain-HTTP port (2376 means TLS)' },
    { env: { DOCKER_HOST: 'tcp://[::1' }, reason: 'DOCKER_HOST=tcp://[::1 is not a valid tcp://host:port address' },
  ])('refuses $env.DOCKER_HOST', ({ env, reason }) => {
    expect(resolveDockerEndpoint(env)).toEqual({ ok: false, description: `DOCKER_HOST=${env.DOCKER_HOST}`, reason });
  });
});
