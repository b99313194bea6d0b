import { describe, expect, test } from 'vitest';
import { parseImageReference } from '@verge/testkit/docker';

describe('parseImageReference', () => {
  test.each([
    { reference: 'verge-testkit/node:local', repo: 'verge-testkit/node', tag: 'local' },
    { reference: 'node', repo: 'node', tag: 'latest' },
    { reference: 'localhost:5000/verge/node:1.0', repo: 'localhost:5000/verge/node', tag: '1.0' },
    { reference: 'localhost:5000/verge/node', repo: 'localhost:5000/verge/node', tag: 'latest' },
    { reference: 'verge/a.b_c__d-e:V1_x.y-z', repo: 'verge/a.b_c__d-e', tag: 'V1_x.y-z' },
    { reference: 'registry.local/verge/node:2', repo: 'registry.local/verge/node', tag: '2' },
  ])('$reference', ({ reference, repo, tag }) => {
    expect(parseImageReference(reference)).toEqual({ repo, tag });
  });

  test.each([
    { reference: 'Verge/node:1', message: 'image reference "Verge/node:1": name component "Verge" is not a valid lowercase path component' },
    { reference: 'under_score.host/node', message: 'image reference "under_score.host/node": registry "under_score.host" is not a valid host[:port]' },
    { reference: 'verge//node', message: 'image reference "verge//node": name component "" is not a valid lowercase path component' },
    { reference: 'node:', message: 'image reference "node:": tag "" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}' },
    { reference: 'node:.x', message: 'image reference "node:.x": tag ".x" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}' },
    { reference: `node:${'a'.repeat(129)}`, message: `image reference "node:${'a'.repeat(129)}": tag "${'a'.repeat(129)}" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}` },
    { reference: 'node@sha256:abc', message: 'image reference "node@sha256:abc": digests are not accepted, give name:tag' },
    { reference: '', message: 'image reference "": name component "" is not a valid lowercase path component' },
  ])('rejects $reference', ({ reference, message }) => {
    expect(() => parseImageReference(reference)).toThrow(message);
  });
});
