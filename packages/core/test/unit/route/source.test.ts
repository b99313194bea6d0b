import { describe, expect, it } from 'vitest';
import { compileRoute, messageSource, normalizeSource, routeMessage, sourceMatches } from '@verge/core';
import { message } from './helpers.js';

describe('normalizeSource', () => {
  it.each([
    ['/*', '/'],
    ['/', '/'],
    ['/**', '/'],
    ['/messages/*', '/messages/'],
    ['/messages', '/messages/'],
    ['/messages/modules/m/outputs/o', '/messages/modules/m/outputs/o/'],
    ['  /messages/modules/m/*  ', '/messages/modules/m/'],
    ['/messages/modules/m*', '/messages/modules/m/'],
    ['/twinChangeNotifications', '/twinChangeNotifications/'],
    ['/messages/*/x', '/messages/*/x/'],
  ])('%j → %j', (source, expected) => {
    expect(normalizeSource(source)).toBe(expected);
  });
});

describe('messageSource (reference §3.2)', () => {
  it.each([
    [{}, '/messages/'],
    [{ connectionDeviceId: 'leaf' }, '/messages/'],
    [{ connectionDeviceId: 'edge', connectionModuleId: 'sensor' }, '/messages/modules/sensor/'],
    [{ connectionModuleId: 'sensor', outputName: 'temp' }, '/messages/modules/sensor/outputs/temp/'],
    [{ connectionModuleId: 'sensor', outputName: ' ' }, '/messages/modules/sensor/'],
    [{ connectionModuleId: '', outputName: 'temp' }, '/messages/'],
    [{ messageType: 'twinChangeNotification', connectionModuleId: 'sensor' }, '/twinChangeNotifications/'],
    [{ messageType: 'TWINCHANGENOTIFICATION' }, '/twinChangeNotifications/'],
    [{ messageType: 'telemetry', connectionModuleId: 'm' }, '/messages/modules/m/'],
  ])('%j → %s', (systemProperties, expected) => {
    expect(messageSource(systemProperties)).toBe(expected);
  });
});

// The FROM table of reference §3.2: which messages each source matches (case-insensitive prefix).
describe('FROM matching', () => {
  const leaf = message({ systemProperties: { connectionDeviceId: 'leaf' } });
  const noOutput = message({ systemProperties: { connectionModuleId: 'sensor' } });
  const output = message({ systemProperties: { connectionModuleId: 'sensor', outputName: 'temp' } });
  const outputX = message({ systemProperties: { connectionModuleId: 'sensor', outputName: 'tempx' } });
  const other = message({ systemProperties: { connectionModuleId: 'filter', outputName: 'temp' } });
  const twin = message({ systemProperties: { messageType: 'twinChangeNotification', connectionModuleId: 'sensor' } });
  const all = { leaf, noOutput, output, outputX, other, twin };

  it.each([
    ['/*', ['leaf', 'noOutput', 'output', 'outputX', 'other', 'twin']],
    ['/messages/*', ['leaf', 'noOutput', 'output', 'outputX', 'other']],
    ['/messages', ['leaf', 'noOutput', 'output', 'outputX', 'other']],
    ['/messages/modules/*', ['noOutput', 'output', 'outputX', 'other']],
    ['/messages/modules/sensor/*', ['noOutput', 'output', 'outputX']],
    ['/messages/modules/sensor', ['noOutput', 'output', 'outputX']],
    ['/messages/modules/SENSOR/*', ['noOutput', 'output', 'outputX']],
    ['/messages/modules/sensor/outputs/*', ['output', 'outputX']],
    ['/messages/modules/sensor/outputs/temp', ['output']],
    ['/messages/modules/sensor/outputs/Temp/*', ['output']],
    ['/messages/modules/sens*', []], // a trailing * is stripped, not a glob: /messages/modules/sens/
    ['/twinChangeNotifications', ['twin']],
    ['/TwinChangeNotifications/*', ['twin']],
    ['/messages/modules/sensor/outputs/temp/more', []],
  ])('FROM %s', (from, expected) => {
    const route = compileRoute('r', `FROM ${from} INTO $upstream`);
    const matched = Object.entries(all).filter(([, m]) => routeMessage(m, [route]).length > 0).map(([k]) => k);
    expect(matched).toEqual(expected);
  });

  it('matches an explicit source argument instead of the derived one', () => {
    const route = compileRoute('r', 'FROM /messages/modules/a/* INTO $upstream');
    expect(routeMessage(leaf, [route], '/messages/modules/a/outputs/x')).toHaveLength(1);
    expect(routeMessage(leaf, [route], '/messages/modules/a')).toHaveLength(1);
    expect(routeMessage(leaf, [route], '/messages/modules/ab/')).toHaveLength(0);
  });

  it('compares sources case-insensitively, also beyond ASCII', () => {
    expect(sourceMatches('/messages/modules/ä/', '/MESSAGES/MODULES/Ä')).toBe(true);
    expect(sourceMatches('/messages/modules/a/', '/messages/modules/ab/')).toBe(false);
  });
});
