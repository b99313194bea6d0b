import { describe, expect, test } from 'vitest';
import { demuxDockerLogs } from '@verge/testkit/docker';

function frame(stream: number, payload: Uint8Array | string): Uint8Array {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('demuxDockerLogs', () => {
  const euro = Buffer.from('€'); // three bytes, split across two frames below

  test.each([
    { name: 'nothing', input: Buffer.alloc(0), stdout: '', stderr: '' },
    { name: 'one stdout frame', input: frame(1, 'hello from verge\n'), stdout: 'hello from verge\n', stderr: '' },
    {
      name: 'interleaved streams keep their own order',
      input: Buffer.concat([frame(1, 'a\n'), frame(2, 'err\n'), frame(1, 'b\n'), frame(0, 'stdin-echo\n')]),
      stdout: 'a\nb\nstdin-echo\n',
      stderr: 'err\n',
    },
    { name: 'empty frame', input: Buffer.concat([frame(1, ''), frame(1, 'x')]), stdout: 'x', stderr: '' },
    { name: 'a character split across frames', input: Buffer.concat([frame(1, euro.subarray(0, 1)), frame(1, euro.subarray(1))]), stdout: '€', stderr: '' },
    { name: 'truncated last frame keeps what arrived', input: frame(2, 'partial line').subarray(0, 8 + 7), stdout: '', stderr: 'partial' },
    { name: 'a lone partial header is ignored', input: Buffer.concat([frame(1, 'ok'), Buffer.from([1, 0, 0])]), stdout: 'ok', stderr: '' },
  ])('$name', ({ input, stdout, stderr }) => {
    expect(demuxDockerLogs(input)).toEqual({ stdout, stderr });
  });

  test('reads from a view into a larger buffer', () => {
    const backing = Buffer.concat([Buffer.from('garbage'), frame(1, 'inner')]);
    expect(demuxDockerLogs(backing.subarray(7))).toEqual({ stdout: 'inner', stderr: '' });
  });
});
