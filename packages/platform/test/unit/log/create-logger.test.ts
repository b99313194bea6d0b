import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/index.js';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes JSON lines with service, level and ISO time', () => {
    const out = capture();
    const log = createLogger({ service: 'cloud', level: 'info', destination: out.stream });
    log.info({ deviceId: 'd1' }, 'device created');
    log.debug('not written at info');
    const [line] = out.lines();
    expect(out.lines()).toHaveLength(1);
    expect(line).toMatchObject({ service: 'cloud', level: 30, deviceId: 'd1', msg: 'device created' });
    expect(String(line?.['time'])).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it.each([
    ['*.password', { user: { password: 'p' } }, ['user', 'password']],
    ['*.sharedAccessKey', { policy: { sharedAccessKey: 'k' } }, ['policy', 'sharedAccessKey']],
    ['*.primaryKey', { keys: { primaryKey: 'k' } }, ['keys', 'primaryKey']],
    ['*.secondaryKey', { keys: { secondaryKey: 'k' } }, ['keys', 'secondaryKey']],
    ['nested device keys', { device: { authentication: { symmetricKey: { primaryKey: 'k' } } } }, ['device', 'authentication', 'symmetricKey', 'primaryKey']],
    ['req.headers.authorization', { req: { headers: { authorization: 'SharedAccessSignature sig=x' } } }, ['req', 'headers', 'authorization']],
  ])('redacts %s', (_name, fields, path) => {
    const out = capture();
    createLogger({ service: 's', level: 'info', destination: out.stream }).info(fields, 'm');
    let v: unknown = out.lines()[0];
    for (const p of path) v = (v as Record<string, unknown>)[p];
    expect(v).toBe('[Redacted]');
    expect(JSON.stringify(out.lines())).not.toContain('"k"');
  });

  it('serializes errors under err with message and stack', () => {
    const out = capture();
    createLogger({ service: 's', level: 'info', destination: out.stream }).error({ err: new Error('boom') }, 'failed');
    expect(out.lines()[0]?.['err']).toMatchObject({ type: 'Error', message: 'boom' });
  });

  it('is silent at level silent', () => {
    const out = capture();
    createLogger({ service: 's', level: 'silent', destination: out.stream }).error('x');
    expect(out.lines()).toEqual([]);
  });
});
