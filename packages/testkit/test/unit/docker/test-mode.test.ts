import { describe, expect, test } from 'vitest';
import { decideDockerTestMode, dockerUnavailableMessage, parseRequireDocker } from '@verge/testkit/docker';

describe('decideDockerTestMode', () => {
  test.each([
    { available: true, requireDocker: false, mode: 'run' },
    { available: true, requireDocker: true, mode: 'run' },
    { available: false, requireDocker: false, mode: 'skip' },
    { available: false, requireDocker: true, mode: 'fail' },
  ] as const)('available=$available requireDocker=$requireDocker → $mode', ({ available, requireDocker, mode }) => {
    expect(decideDockerTestMode({ available, requireDocker })).toBe(mode);
  });
});

describe('parseRequireDocker', () => {
  test.each([
    { value: undefined, expected: false },
    { value: '', expected: false },
    { value: '0', expected: false },
    { value: 'false', expected: false },
    { value: 'no', expected: false },
    { value: '1', expected: true },
    { value: 'true', expected: true },
    { value: ' TRUE ', expected: true },
    { value: 'yes', expected: true },
  ])('$value → $expected', ({ value, expected }) => {
    expect(parseRequireDocker(value)).toBe(expected);
  });

  test.each(['on', '2', 'ture'])('rejects %j rather than treating a typo as "no"', (value) => {
    expect(() => parseRequireDocker(value)).toThrow(
      `VERGE_REQUIRE_DOCKER=${JSON.stringify(value)} is not a boolean: use 1 (require a Docker engine) or 0 (skip without one)`,
    );
  });
});

describe('dockerUnavailableMessage', () => {
  const reason = 'no Docker engine answered at DOCKER_HOST=unix:///x.sock: connect ENOENT /x.sock';

  test('a skip names the suite, the reason, how to start dockerd and how to make it fail', () => {
    const message = dockerUnavailableMessage({ suite: 'agent', reason, mode: 'skip' });
    expect(message.split('\n')).toEqual([
      `SKIPPING Docker suite "agent": ${reason}.`,
      'Start one with:  nohup dockerd --bridge=none --iptables=false >/var/log/verge-dockerd.log 2>&1 &',
      'or point DOCKER_HOST at a running engine (for example DOCKER_HOST=unix:///run/verge-ci-docker.sock, the socket .ci/run uses).',
      'Set VERGE_REQUIRE_DOCKER=1 to make this a failure instead of a skip (CI does).',
    ]);
  });

  test('a failure says the engine was required', () => {
    const message = dockerUnavailableMessage({ suite: 'agent', reason, mode: 'fail' });
    expect(message.split('\n')[0]).toBe(`Docker suite "agent" requires a Docker engine (VERGE_REQUIRE_DOCKER=1) but ${reason}.`);
    expect(message).toContain('dockerd --bridge=none --iptables=false');
    expect(message.split('\n').at(-1)).toBe('Unset VERGE_REQUIRE_DOCKER to skip Docker suites on a machine without an engine.');
  });
});
