import { describe, expect, it } from 'vitest';
import { defaultIotHubMqttLimits, sweepConnections, type MqttConnection as Connection } from '../../src/index.js';

const limits = { ...defaultIotHubMqttLimits, tlsHandshakeTimeoutMs: 1000, connectTimeoutMs: 2000 };

function fakeConnection(fields: Partial<Connection>): { conn: Connection; reasons: string[] } {
  const reasons: string[] = [];
  const conn = {
    state: 'connected',
    closing: false,
    acceptedAtMs: 0,
    secureAtMs: 0,
    lastPacketMs: 0,
    idleLimitMs: 270_000,
    validUntilMs: undefined,
    ...fields,
    close: (reason: string) => reasons.push(reason),
  } as unknown as Connection;
  return { conn, reasons };
}

describe('sweepConnections', () => {
  it.each<[string, Partial<Connection>, number, string[]]>([
    ['handshake within time', { state: 'handshake', acceptedAtMs: 0 }, 1000, []],
    ['handshake too slow', { state: 'handshake', acceptedAtMs: 0 }, 1001, ['TLS handshake not finished within 1000 ms']],
    ['CONNECT within time', { state: 'awaitingConnect', secureAtMs: 500 }, 2500, []],
    ['no CONNECT', { state: 'awaitingConnect', secureAtMs: 500 }, 2501, ['no CONNECT within 2000 ms']],
    ['active client', { lastPacketMs: 10_000 }, 280_000, []],
    ['keep-alive expired', { lastPacketMs: 10_000 }, 280_001, ['keep-alive expired: no packet for 270001 ms']],
    ['token still valid', { validUntilMs: 5000 }, 5000, []],
    ['token expired', { validUntilMs: 5000 }, 5001, ['the SAS token of the connection expired']],
    ['X.509 (no token expiry)', { validUntilMs: undefined }, 10 ** 9 - 1, ['keep-alive expired: no packet for 999999999 ms']],
    ['already closing', { closing: true, state: 'handshake' }, 10 ** 9, []],
    ['closed', { state: 'closed' }, 10 ** 9, []],
  ])('%s', (_name, fields, nowMs, expected) => {
    const { conn, reasons } = fakeConnection(fields);
    sweepConnections([conn], limits, nowMs);
    expect(reasons).toEqual(expected);
  });
});
