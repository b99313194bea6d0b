import { describe, expect, it } from 'vitest';
import { isVergeError, VergeError } from '@verge/contracts';
import { compileTargetCondition, parseQuery, parseTargetCondition, runQuery, type TwinView } from '@verge/core';

const twin = (deviceId: string, tags: Record<string, unknown> = {}, reported: Record<string, unknown> = {}): TwinView => ({
  deviceId,
  status: 'enabled',
  connectionState: 'Connected',
  tags,
  properties: { desired: {}, reported },
});

const prodWest = twin('linuxprod1', { environment: 'prod', location: 'westus', operator: 'John', building: 9 }, { devicemodel: '4000x', lastStatus: '200' });
const prodEast = twin('linuxprod2', { environment: 'prod', location: 'eastus', operator: 'John' });
const testDev = twin('dev1', { environment: 'test', building: 3 });
const quoted = twin("operator'sDevice", { environment: 'prod' });
const fleet = [prodWest, prodEast, testDev, quoted];

function targeted(condition: string): string[] {
  const t = parseTargetCondition(condition);
  return fleet.filter((d) => t.matches(d)).map((d) => d.deviceId);
}

function rejection(condition: string): string {
  const r = compileTargetCondition(condition);
  if (r.ok) throw new Error(`expected ${condition} to be rejected`);
  expect(r.error).toBeInstanceOf(VergeError);
  expect(r.error.code).toBe('TARGET_CONDITION_INVALID');
  return r.error.message;
}

describe('target conditions: the examples of reference §10.2 and the IoT Edge doc', () => {
  it.each([
    ["tags.environment='prod' AND tags.location='westus'", ['linuxprod1']],
    ["deviceId='dev1'", ['dev1']],
    ['*', ['linuxprod1', 'linuxprod2', 'dev1', "operator'sDevice"]],
    [' * ', ['linuxprod1', 'linuxprod2', 'dev1', "operator'sDevice"]],
    ["deviceId ='linuxprod1'", ['linuxprod1']],
    ["tags.environment ='prod'", ['linuxprod1', 'linuxprod2', "operator'sDevice"]],
    ["tags.environment = 'prod' OR tags.location = 'westus'", ['linuxprod1', 'linuxprod2', "operator'sDevice"]],
    ["tags.operator = 'John' AND tags.environment = 'prod' AND NOT deviceId = 'linuxprod1'", ['linuxprod2']],
    ["properties.reported.devicemodel = '4000x'", ['linuxprod1']],
    ["properties.reported.lastStatus='200'", ['linuxprod1']], // VS Code IoT toolkit example
    ["deviceId='operator''sDevice'", ["operator'sDevice"]],
    ["tags.building=9 and tags.environment='prod'", ['linuxprod1']], // Az PowerShell example: numbers unquoted, lower-case and
    ["tags.environment IN ['test', 'dev']", ['dev1']],
    ['IS_DEFINED(tags.building)', ['linuxprod1', 'dev1']],
    ["STARTSWITH(deviceId, 'linux')", ['linuxprod1', 'linuxprod2']],
    ["tags.[[environment]] = 'test'", ['dev1']],
    ['', []], // an empty condition targets nothing
  ])('%j targets %j', (condition, expected) => {
    expect(targeted(condition)).toEqual(expected);
  });

  it('targets exactly what SELECT deviceId FROM devices WHERE <condition> returns (reference §10.4 targetedCount)', () => {
    for (const condition of ["tags.environment='prod' AND tags.location='westus'", "NOT tags.environment = 'test'", "tags.building >= 3"]) {
      const viaQuery = runQuery(parseQuery(`SELECT deviceId FROM devices WHERE ${condition}`), fleet).items.map((i) => (i as { deviceId: string }).deviceId);
      expect(targeted(condition)).toEqual(viaQuery);
    }
  });

  it('compileTargetCondition returns a matcher and the compiled target', () => {
    const r = compileTargetCondition("tags.environment='prod'");
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.matches(prodWest)).toBe(true);
      expect(r.matches(testDev)).toBe(false);
      expect(r.target.kind).toBe('condition');
    }
    const all = compileTargetCondition('*');
    expect(all.ok && all.target.kind).toBe('all');
  });

  it('parseTargetCondition throws the VergeError', () => {
    expect(() => parseTargetCondition("tags.a = \"x\"")).toThrow(VergeError);
    try {
      parseTargetCondition('tags.a =');
    } catch (e) {
      expect(isVergeError(e, 'TARGET_CONDITION_INVALID')).toBe(true);
    }
  });
});

describe('target-condition rules', () => {
  it.each([
    ['tags.environment = "prod"', "target condition: column 20: double quotes are not allowed in a target condition; write string values in single quotes ('…')"],
    ["tags.location = 'West US'", "target condition: column 22: character ' ' (U+0020) is not allowed in a target condition value; allowed are letters, digits and -:.+%_#*?!(),=@;$ (write a quote as '')"],
    ["tags.path = 'a/b'", "target condition: column 15: character '/' (U+002F) is not allowed in a target condition value; allowed are letters, digits and -:.+%_#*?!(),=@;$ (write a quote as '')"],
    ["tags.a = 'it\\'s'", "target condition: column 13: character '\\' (U+005C) is not allowed in a target condition value; allowed are letters, digits and -:.+%_#*?!(),=@;$ (write a quote as '')"],
    ["status = 'enabled'", "target condition: column 1: a target condition may only reference deviceId, tags.* and properties.reported.*, found 'status'"],
    ["properties.desired.x = 1", "target condition: column 1: a target condition may only reference deviceId, tags.* and properties.reported.*, found 'properties.desired.x'"],
    ['capabilities.iotEdge = true', "target condition: column 1: a target condition may only reference deviceId, tags.* and properties.reported.*, found 'capabilities.iotEdge'"],
    ["deviceId.x = 'a'", "target condition: column 1: a target condition may only reference deviceId, tags.* and properties.reported.*, found 'deviceId.x'"],
    ["tags.environment = 'prod' AND", 'target condition: column 30: expected a value (a property path, a constant, a function call or a parenthesized condition), found end of input'],
    ['* AND tags.a = 1', 'target condition: column 1: expected a value (a property path, a constant, a function call or a parenthesized condition), found \'*\''],
    ["tags.environment = 'prod", "target condition: column 20: unterminated string: no closing ' for the string starting here"],
  ])('%j', (condition, message) => {
    expect(rejection(condition)).toBe(message);
  });

  it('accepts every allowed value character', () => {
    const r = compileTargetCondition("tags.v = 'aZ09-:.+%_#*?!(),=@;$''é漢'");
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.matches(twin('x', { v: "aZ09-:.+%_#*?!(),=@;$'é漢" }))).toBe(true);
  });

  it('rejects a condition longer than 8192 characters', () => {
    const long = `tags.a = '${'x'.repeat(8200)}'`;
    expect(rejection(long)).toBe(`target condition: ${long.length} characters is longer than the maximum of 8192`);
  });
});
