import { describe, expect, it } from 'vitest';
import { containerError, pullError } from '../../../src/runtime/index.js';
import { progressError } from '../../../src/runtime/docker/pull.js';

describe('pullError: registry answers classified (STYLE §2.5)', () => {
  it.each([
    [undefined, 'unauthorized: authentication required', 'AGT_IMAGE_PULL_UNAUTHORIZED', 'permanent'],
    [undefined, 'Get "https://reg.local/v2/x/manifests/1": no basic auth credentials', 'AGT_IMAGE_PULL_UNAUTHORIZED', 'permanent'],
    [500, 'Head "http://127.0.0.1:5000/v2/x/manifests/1": unauthorized: incorrect username or password', 'AGT_IMAGE_PULL_UNAUTHORIZED', 'permanent'],
    [undefined, 'denied: requested access to the resource is denied', 'AGT_IMAGE_PULL_UNAUTHORIZED', 'permanent'],
    [403, 'forbidden', 'AGT_IMAGE_PULL_UNAUTHORIZED', 'permanent'],
    [404, "pull access denied for nothere, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", 'AGT_IMAGE_NOT_FOUND', 'permanent'],
    [404, 'manifest for reg.local/x:9 not found: manifest unknown: manifest unknown', 'AGT_IMAGE_NOT_FOUND', 'permanent'],
    [500, 'name unknown: repository name not known to registry', 'AGT_IMAGE_NOT_FOUND', 'permanent'],
    [400, 'invalid reference format: repository name must be lowercase', 'AGT_IMAGE_REFERENCE_INVALID', 'permanent'],
    [500, 'Get "https://reg.local/v2/": dial tcp: lookup reg.local on 127.0.0.53:53: no such host', 'AGT_IMAGE_PULL_FAILED', 'retryable'],
    [500, 'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', 'AGT_IMAGE_PULL_FAILED', 'retryable'],
    [undefined, 'net/http: TLS handshake timeout', 'AGT_IMAGE_PULL_FAILED', 'retryable'],
    [undefined, 'unexpected EOF', 'AGT_IMAGE_PULL_FAILED', 'retryable'],
    [503, 'received unexpected HTTP status: 503 Service Unavailable', 'AGT_IMAGE_PULL_FAILED', 'retryable'],
  ])('status %s, %j → %s (%s)', (status, text, code, kind) => {
    const error = pullError('reg.local/x:1', status, text);
    expect(error).toMatchObject({ code, kind, message: `pulling "reg.local/x:1" failed: ${text}` });
  });
});

describe('containerError: engine answers classified', () => {
  const engine = (statusCode: number, message: string) => Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json: { message } });

  it.each([
    [Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }), 'AGT_RUNTIME_UNAVAILABLE', 'prerequisite'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'AGT_RUNTIME_UNAVAILABLE', 'prerequisite'],
    [Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' }), 'AGT_RUNTIME_UNAVAILABLE', 'prerequisite'],
    [engine(404, 'No such container: x'), 'AGT_RUNTIME_MODULE_NOT_FOUND', 'retryable'],
    [engine(400, 'OCI runtime create failed: exec: "/nope": stat /nope: no such file or directory: unknown'), 'AGT_MODULE_COMMAND_NOT_FOUND', 'permanent'],
    [engine(500, 'exec: "nope": executable file not found in $PATH: unknown'), 'AGT_MODULE_COMMAND_NOT_FOUND', 'permanent'],
    [engine(400, 'invalid mount config'), 'AGT_RUNTIME_OPERATION_FAILED', 'permanent'],
    [engine(409, 'container is being removed'), 'AGT_RUNTIME_OPERATION_FAILED', 'retryable'],
    [engine(500, 'driver failed programming external connectivity'), 'AGT_RUNTIME_OPERATION_FAILED', 'retryable'],
    [new Error('socket hang up'), 'AGT_RUNTIME_OPERATION_FAILED', 'retryable'],
  ])('%s → %s (%s)', (error, code, kind) => {
    expect(containerError(error, 'starting module "m"', 'unix:///var/run/docker.sock')).toMatchObject({ code, kind });
  });

  it('keeps the engine message and the action in the message', () => {
    expect(containerError(engine(500, 'boom'), 'starting module "m"', 'e').message).toBe('starting module "m": boom');
    expect(containerError(Object.assign(new Error('connect ENOENT /x.sock'), { code: 'ENOENT' }), 'x', 'unix:///x.sock').message).toBe(
      'the Docker engine at unix:///x.sock cannot be reached: connect ENOENT /x.sock',
    );
  });
});

describe('progressError: the error of a pull progress line', () => {
  it.each([
    ['{"status":"Pulling fs layer","id":"abc"}', undefined],
    ['{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}', 'manifest unknown'],
    ['{"errorDetail":{"message":"only detail"}}', 'only detail'],
    ['not json', undefined],
    ['', undefined],
    ['"a string"', undefined],
  ])('%j → %j', (line, expected) => {
    expect(progressError(line)).toBe(expected);
  });
});
