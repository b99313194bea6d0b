import { describe, expect, it } from 'vitest';
import { compileRoute, endpointId } from '@verge/core';
import { routeErrors } from './helpers.js';

// Sinks (reference §3.4).
describe('sinks', () => {
  it.each([
    ['$upstream', { kind: 'upstream' }, '$upstream'],
    ['$UpStream', { kind: 'upstream' }, '$upstream'],
    ['BrokeredEndpoint("/modules/alertLogic/inputs/in")', { kind: 'moduleInput', moduleId: 'alertLogic', input: 'in' }, '/modules/alertLogic/inputs/in'],
    ["brokeredendpoint('/modules/m/inputs/i')", { kind: 'moduleInput', moduleId: 'm', input: 'i' }, '/modules/m/inputs/i'],
    ['BROKEREDENDPOINT("modules/m/inputs/i/")', { kind: 'moduleInput', moduleId: 'm', input: 'i' }, '/modules/m/inputs/i'],
    ['BrokeredEndpoint(" /Modules/m/INPUTS/i ")', { kind: 'moduleInput', moduleId: 'm', input: 'i' }, '/modules/m/inputs/i'],
  ])('INTO %s', (sink, endpoint, id) => {
    const route = compileRoute('r', `FROM /* INTO ${sink}`);
    expect(route.endpoint).toEqual(endpoint);
    expect(route.endpointId).toBe(id);
    expect(endpointId(route.endpoint)).toBe(id);
    expect(Object.isFrozen(route.endpoint)).toBe(true);
  });

  it.each([
    ['$downstream', "Route \"r\", column 14: unsupported sink '$downstream'; expected $upstream or BrokeredEndpoint(\"/modules/<module>/inputs/<input>\")"],
    ['$upstream[0]', "Route \"r\", column 14: unsupported sink '$upstream[0]'; expected $upstream or BrokeredEndpoint(\"/modules/<module>/inputs/<input>\")"],
    ['Endpoint("/modules/m/inputs/i")', "Route \"r\", column 14: unsupported sink function 'Endpoint'; expected $upstream or BrokeredEndpoint(\"/modules/<module>/inputs/<input>\")"],
    ['BrokeredEndpoint("/modules/m/inputs")', "Route \"r\", column 31: BrokeredEndpoint address '/modules/m/inputs' is not of the form /modules/<module>/inputs/<input>"],
    ['BrokeredEndpoint("/modules/m/inputs/i/x")', "Route \"r\", column 31: BrokeredEndpoint address '/modules/m/inputs/i/x' is not of the form /modules/<module>/inputs/<input>"],
    ['BrokeredEndpoint("//modules/m/inputs/i")', "Route \"r\", column 31: BrokeredEndpoint address '//modules/m/inputs/i' is not of the form /modules/<module>/inputs/<input>"],
    ['BrokeredEndpoint("/devices/m/inputs/i")', "Route \"r\", column 31: BrokeredEndpoint address '/devices/m/inputs/i' is not of the form /modules/<module>/inputs/<input>"],
    ['BrokeredEndpoint("/modules//inputs/i")', "Route \"r\", column 31: BrokeredEndpoint address '/modules//inputs/i' is not of the form /modules/<module>/inputs/<input>"],
    ['BrokeredEndpoint("")', "Route \"r\", column 31: BrokeredEndpoint address '' is not of the form /modules/<module>/inputs/<input>"],
    ['BrokeredEndpoint("/modules/*/inputs/*/")', undefined],
  ])('rejects INTO %s', (sink, message) => {
    if (message === undefined) {
      // No wildcards in sinks: `*` is taken literally as a module id, exactly like edgeHub.
      // (FROM /messages, not /*: `/*` would open a comment closed by the `*/` inside the address, as in edgeHub.)
      expect(compileRoute('r', `FROM /messages INTO ${sink}`).endpointId).toBe('/modules/*/inputs/*');
      return;
    }
    expect(routeErrors(`FROM /* INTO ${sink}`).map((e) => `${e.code}: ${e.message}`)).toEqual([`ROUTE_SINK_INVALID: ${message}`]);
  });

  it('reports a bad sink together with condition errors', () => {
    expect(routeErrors('FROM /* WHERE a > 1 INTO $nowhere').map((e) => e.code)).toEqual(['ROUTE_SINK_INVALID', 'ROUTE_OPERAND_TYPE_MISMATCH']);
  });
});
