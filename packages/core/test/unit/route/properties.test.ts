import { describe, expect, it } from 'vitest';
import { evaluate, jsonMessage, message } from './helpers.js';

// Identifier resolution (reference §3.3): `name` is an application property; `$name` is the application property
// literally named `$name` if present, else a `$body.` query, else the system property `name`; `{$name}` skips
// the application property. Both bags are looked up case-insensitively (edgeHub uses OrdinalIgnoreCase).
describe('property resolution', () => {
  const msg = jsonMessage(
    { temp: 21, status: 'ok' },
    { temp: '30', $messageId: 'app-id', '$body.temp': 'from-app', alert: 'yes', Ünïcode: 'u', 'a-b': 'dash' },
    { messageId: 'sys-id', connectionDeviceId: 'dev1', 'iothub-operation': 'op', 'absolute-expiry-time': '2030' },
  );

  it.each([
    ["temp = '30'", true],
    ['TEMP = \'30\'', true],
    ["ALERT = 'yes'", true],
    ["ünÏcode = 'u'", true],
    ["a-b = 'dash'", true],
    ["messageId = 'sys-id'", undefined],
    ["$messageId = 'app-id'", true],
    ["{$messageId} = 'sys-id'", true],
    ["$MESSAGEID = 'app-id'", true],
    ["$connectionDeviceId = 'dev1'", true],
    ["$ConnectionDeviceID = 'dev1'", true],
    ["{$connectionDeviceId} = 'dev1'", true],
    ["$iothub-operation = 'op'", true],
    ["$absolute-expiry-time = '2030'", true],
    ["is_defined($connectionModuleId)", false],
    ["$body.temp = 'from-app'", true],
    ['{$body.temp} = 21', true],
    ["$body.status = 'ok'", true],
    ["$BODY.status = 'ok'", true],
    ["is_defined($body)", false],
    ["is_defined($foo[0])", false],
    ['$x[0]', undefined],
    ["is_defined({$foo[0]})", false],
  ])('%s → %s', (condition, expected) => {
    expect(evaluate(condition, msg)).toBe(expected);
  });

  it('uses a property named $name before the system property of that name', () => {
    const both = message({ properties: { $to: 'app' }, systemProperties: { to: 'sys' } });
    expect(evaluate("$to = 'app'", both)).toBe(true);
    expect(evaluate("{$to} = 'sys'", both)).toBe(true);
    const sysOnly = message({ systemProperties: { to: 'sys' } });
    expect(evaluate("$to = 'sys'", sysOnly)).toBe(true);
  });

  it('types $body queries as dynamic and properties as strings', () => {
    // The application property `$body.temp` (the string 'from-app') wins; a string orders after any number.
    expect(evaluate('$body.temp = 21', msg)).toBe(false);
    expect(evaluate('$body.temp > 20', msg)).toBe(true);
    expect(evaluate('{$body.temp} > 20', msg)).toBe(true);
    expect(evaluate("$messageId > 'a'", msg)).toBe(true);
  });

  it('selects leaf-device telemetry with NOT IS_DEFINED($connectionModuleId) (reference §3.2)', () => {
    const leaf = message({ systemProperties: { connectionDeviceId: 'leaf' } });
    const mod = message({ systemProperties: { connectionDeviceId: 'edge', connectionModuleId: 'sensor' } });
    expect(evaluate('NOT IS_DEFINED($connectionModuleId)', leaf)).toBe(true);
    expect(evaluate('NOT IS_DEFINED($connectionModuleId)', mod)).toBe(false);
  });
});
