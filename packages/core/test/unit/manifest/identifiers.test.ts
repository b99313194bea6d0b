import { describe, expect, it } from 'vitest';
import { compareSchemaVersions, imageReferenceProblem, isValidModuleId, moduleIdProblem, normaliseImageReference, parseSchemaVersion } from '@verge/core';

describe('module ids (IoT Hub module identity rule minus the twin-key characters)', () => {
  it.each([['sensor'], ['SimulatedTemperatureSensor'], ['a'], ['m'.repeat(128)], ["a-b:c+d%e_f#g*h?i!j(k)l,m=n@o;p'q"], ['__proto__']])('accepts %s', (id) => {
    expect(moduleIdProblem(id)).toBeUndefined();
    expect(isValidModuleId(id)).toBe(true);
  });

  it.each([
    ['', 'module id must not be empty'],
    ['m'.repeat(129), 'module id is 129 characters long, over the limit of 128'],
    ['a.b', `module id "a.b" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; '`],
    ['$edgeAgent', `module id "$edgeAgent" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; '`],
    ['a b', `module id "a b" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; '`],
    ['a/b', `module id "a/b" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; '`],
    ['é', `module id "é" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; '`],
  ])('rejects %j', (id, problem) => {
    expect(moduleIdProblem(id)).toBe(problem);
  });
});

describe('image references (Docker grammar)', () => {
  it.each([
    ['alpine'],
    ['library/alpine:3.19'],
    ['mcr.microsoft.com/azureiotedge-hub:1.5'],
    ['localhost/sensor'],
    ['localhost:5000/team/sensor:dev-1'],
    ['[::1]:5000/sensor'],
    ['$upstream:443/azureiotedge-agent:1.5'],
    ['my_repo/my-image__x'],
    [`alpine@sha256:${'0'.repeat(64)}`],
  ])('accepts %s', (ref) => {
    expect(imageReferenceProblem(ref)).toBeUndefined();
  });

  it.each([
    ['Alpine', 'name component "Alpine" must be lowercase letters and digits separated by ".", "_", "__" or "-"'],
    ['alpine:', 'tag "" must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'],
    ['alpine:-x', 'tag "-x" must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'],
    [`alpine:${'t'.repeat(129)}`, `tag "${'t'.repeat(129)}" must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`],
    ['alpine@sha256:abc', 'digest "sha256:abc" must be <algorithm>:<hex, 32 or more digits>'],
    ['bad_host.-x/alpine', 'registry "bad_host.-x" is not a host[:port]'],
    ['a//b', 'name component "" must be lowercase letters and digits separated by ".", "_", "__" or "-"'],
    ['with space', 'name component "with space" must be lowercase letters and digits separated by ".", "_", "__" or "-"'],
    [`r.io/${'a'.repeat(252)}`, 'name is 257 characters long, over the limit of 255'],
  ])('rejects %s', (ref, problem) => {
    expect(imageReferenceProblem(ref)).toBe(problem);
  });

  it.each([
    ['alpine', 'alpine:latest'],
    ['alpine:3', 'alpine:3'],
    ['localhost:5000/alpine', 'localhost:5000/alpine:latest'],
    [`alpine@sha256:${'0'.repeat(64)}`, `alpine@sha256:${'0'.repeat(64)}`],
  ])('normalises %s to %s', (ref, normalised) => {
    expect(normaliseImageReference(ref)).toBe(normalised);
  });
});

describe('schema versions (.NET Version semantics)', () => {
  it.each([
    ['1.0', [1, 0, -1, -1]],
    ['1.1.0', [1, 1, 0, -1]],
    ['1.2.3.4', [1, 2, 3, 4]],
    ['10.20', [10, 20, -1, -1]],
  ])('parses %s', (text, version) => {
    expect(parseSchemaVersion(text)).toEqual(version);
  });

  it.each([['1'], ['1.'], ['1.0.0.0.0'], [' 1.0'], ['1.0 '], ['+1.0'], ['1.-1'], ['a.b'], ['2147483648.0'], ['']])('rejects %j', (text) => {
    expect(parseSchemaVersion(text)).toBeUndefined();
  });

  it.each([
    ['1.1', '1.1.0', -1],
    ['1.1.0', '1.1.0.0', -1],
    ['1.0.9', '1.1', -1],
    ['1.1.0', '1.1.0', 0],
    ['2.0', '1.9', 1],
  ])('compares %s with %s', (a, b, sign) => {
    const x = parseSchemaVersion(a);
    const y = parseSchemaVersion(b);
    if (x === undefined || y === undefined) throw new Error('unparsable');
    expect(compareSchemaVersions(x, y)).toBe(sign);
  });
});
