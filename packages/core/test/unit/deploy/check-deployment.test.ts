import { describe, expect, it } from 'vitest';
import { checkDeployment, validateDeploymentId, type Deployment } from '@verge/core';
import { aDeployment } from './builders.js';

function errors(d: Deployment): string[] {
  const r = checkDeployment(d);
  return r.ok ? [] : r.errors.map((e) => `${e.code}: ${e.message}`);
}

describe('deployment ids (reference §10.1)', () => {
  it.each(['base', 'prod-westus-1', 'a', 'x'.repeat(128), 'layer.1_2:3+4%5#6*7?8!9(0),=@;$\'', 'é-ü'])('accepts %j', (id) => {
    expect(validateDeploymentId(id)).toEqual({ ok: true });
  });

  it.each([
    ['', "deployment id '': must not be empty"],
    ['x'.repeat(129), `deployment id '${'x'.repeat(129)}': is 129 characters long; the maximum is 128`],
    ['Prod', "deployment id 'Prod': has the upper-case letter 'P' at position 1; ids are lower case"],
    ['my deploy', "deployment id 'my deploy': has a space or control character at position 3"],
    ['tab\there', "deployment id 'tab\there': has a space or control character at position 4"],
    ...['&', '^', '[', ']', '{', '}', '\\', '|', '"', '<', '>', '/'].map((c) => [`a${c}b`, `deployment id 'a${c}b': has '${c}' at position 2; none of & ^ [ ] { } \\ | " < > / is allowed`]),
    // URL paths resolve these away (`/configurations/..` is `/`): such a deployment could never be read or deleted.
    ['.', "deployment id '.': is a path segment of its own ('.' and '..' are resolved away in a URL, so the deployment could not be addressed)"],
    ['..', "deployment id '..': is a path segment of its own ('.' and '..' are resolved away in a URL, so the deployment could not be addressed)"],
  ])('rejects %j', (id, message) => {
    const r = validateDeploymentId(id);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('TARGET_DEPLOYMENT_ID_INVALID');
      expect(r.error.message).toBe(message);
    }
  });
});

describe('checkDeployment', () => {
  it('accepts a standard and a layered deployment and compiles the target', () => {
    const standard = checkDeployment(aDeployment('base', { targetCondition: "tags.env='prod'", modulesContent: { $edgeAgent: { 'properties.desired': {} } } }));
    expect(standard.ok).toBe(true);
    if (standard.ok) {
      expect(standard.checked.target.matches({ deviceId: 'd', tags: { env: 'prod' } })).toBe(true);
      expect(standard.checked.writes).toEqual([{ moduleId: '$edgeAgent', key: 'properties.desired', path: [], value: {} }]);
    }
    const layered = checkDeployment(
      aDeployment('layer', {
        layered: true,
        modulesContent: {
          $edgeAgent: { 'properties.desired.modules.sim': { type: 'docker' } },
          $edgeHub: { 'properties.desired.routes.r1': 'FROM /messages/* INTO $upstream' },
          mod: { 'properties.desired': { a: 1 } },
        },
      }),
    );
    expect(layered.ok && layered.checked.writes.map((w) => `${w.moduleId}:${w.path.join('.')}`)).toEqual(['$edgeAgent:modules.sim', '$edgeHub:routes.r1', 'mod:']);
  });

  it('accepts priority 0 and the largest 32-bit priority', () => {
    expect(errors(aDeployment('p', { priority: 0 }))).toEqual([]);
    expect(errors(aDeployment('p', { priority: 2147483647 }))).toEqual([]);
  });

  it('lists every problem', () => {
    expect(
      errors(
        aDeployment('Bad', {
          priority: -1,
          createdAtMs: 1.5,
          targetCondition: 'tags.a =',
          modulesContent: { $edgeAgent: { 'properties.desired.modules.x': {} }, '': {} },
        }),
      ),
    ).toEqual([
      "TARGET_DEPLOYMENT_ID_INVALID: deployment id 'Bad': has the upper-case letter 'B' at position 1; ids are lower case",
      "TARGET_DEPLOYMENT_PRIORITY_INVALID: deployment 'Bad': priority -1 is not an integer from 0 to 2147483647",
      "TARGET_DEPLOYMENT_CREATED_AT_INVALID: deployment 'Bad': createdAtMs 1.5 is not a non-negative integer",
      'TARGET_CONDITION_INVALID: target condition: column 9: expected a value (a property path, a constant, a function call or a parenthesized condition), found end of input',
      "TARGET_DEPLOYMENT_CONTENT_INVALID: modulesContent.$edgeAgent: key 'properties.desired.modules.x': only a layered deployment may set a sub-path; a standard deployment sets 'properties.desired'",
      'TARGET_DEPLOYMENT_CONTENT_INVALID: modulesContent: a module id is empty',
    ]);
  });

  it.each([
    [{ priority: 1.5 }, "TARGET_DEPLOYMENT_PRIORITY_INVALID: deployment 'd': priority 1.5 is not an integer from 0 to 2147483647"],
    [{ priority: 2147483648 }, "TARGET_DEPLOYMENT_PRIORITY_INVALID: deployment 'd': priority 2147483648 is not an integer from 0 to 2147483647"],
    [{ createdAtMs: -1 }, "TARGET_DEPLOYMENT_CREATED_AT_INVALID: deployment 'd': createdAtMs -1 is not a non-negative integer"],
  ])('rejects %j', (overrides, message) => {
    expect(errors(aDeployment('d', overrides))).toEqual([message]);
  });

  it.each([
    [{ m: 'x' }, "modulesContent.m: a module block must be an object of 'properties.desired…' keys"],
    [{ m: { desired: {} } }, "modulesContent.m: key 'desired': expected 'properties.desired' or 'properties.desired.<path>'"],
    [{ m: { 'properties.desiredx': {} } }, "modulesContent.m: key 'properties.desiredx': expected 'properties.desired' or 'properties.desired.<path>'"],
    [{ m: { 'properties.desired.': {} } }, "modulesContent.m: key 'properties.desired.': a path segment is empty"],
    [{ m: { 'properties.desired.a..b': {} } }, "modulesContent.m: key 'properties.desired.a..b': a path segment is empty"],
    [{ m: { 'properties.desired': 'x' } }, "modulesContent.m: 'properties.desired' must be an object"],
    [
      { m: { 'properties.desired.routes': {}, 'properties.desired.routes.r1': 'x' } },
      "modulesContent.m: keys 'properties.desired.routes' and 'properties.desired.routes.r1' overlap: one deployment may set a path only once",
    ],
    [
      { m: { 'properties.desired': {}, 'properties.desired.a': 1 } },
      "modulesContent.m: keys 'properties.desired' and 'properties.desired.a' overlap: one deployment may set a path only once",
    ],
  ])('rejects layered content %j', (modulesContent, message) => {
    expect(errors(aDeployment('d', { layered: true, modulesContent: modulesContent as Deployment['content']['modulesContent'] }))).toEqual([
      `TARGET_DEPLOYMENT_CONTENT_INVALID: ${message}`,
    ]);
  });

  it('rejects content without modulesContent', () => {
    expect(errors({ ...aDeployment('d'), content: {} as Deployment['content'] })).toEqual([
      'TARGET_DEPLOYMENT_CONTENT_INVALID: content.modulesContent must be an object of module blocks',
    ]);
  });
});
