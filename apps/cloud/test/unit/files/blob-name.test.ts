import { describe, expect, it } from 'vitest';
import { checkBlobName } from '../../../src/files/file-upload-service.js';

describe('checkBlobName (IoT Hub file upload)', () => {
  it('accepts names with folders', () => {
    expect(checkBlobName('logs/2026/day 1.csv')).toBe('logs/2026/day 1.csv');
    expect(checkBlobName('x'.repeat(1024))).toHaveLength(1024);
  });

  it.each([
    [undefined, 'blobName is missing'],
    ['', 'blobName is missing'],
    [42, 'blobName is missing'],
    ['x'.repeat(1025), 'is 1025 characters long; at most 1024'],
    ['a/../b', "'..' path segment"],
    ['./a', "'.' or '..' path segment"],
    ['/a', 'empty'],
    ['a//b', 'empty'],
    ['a\nb', 'control character'],
  ])('refuses %j naming the problem', (value, message) => {
    expect(() => checkBlobName(value)).toThrow(expect.objectContaining({ code: 'CLD_FILE_UPLOAD_INVALID', message: expect.stringContaining(message) }));
  });
});
