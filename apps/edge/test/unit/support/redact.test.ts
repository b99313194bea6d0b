import { describe, expect, it } from 'vitest';
import { REDACTED, redactSettings, redactText } from '../../../src/support/redact.js';

describe('support bundle redaction', () => {
  it('replaces the value of every setting whose name says secret, at any depth, and keeps the rest', () => {
    const key = 'c2VjcmV0LWtleS1iYXNlNjQtdmFsdWUtMTIzNDU2Nzg=';
    const settings = {
      connectionString: `HostName=h;DeviceId=d;SharedAccessKey=${key}`,
      device: { deviceId: 'd', sharedAccessKey: key, connectionString: 'x' },
      registryCredentials: { acr: { username: 'u', password: 'p' } },
      note: `see SharedAccessKey=${key};DeviceId=d`,
      mqttPort: 8883,
      insecureSharedWorkloadApi: false,
      list: [{ token: 't' }],
    };
    expect(redactSettings(settings)).toEqual({
      connectionString: REDACTED,
      device: { deviceId: 'd', sharedAccessKey: REDACTED, connectionString: REDACTED },
      registryCredentials: REDACTED,
      note: `see SharedAccessKey=${REDACTED};DeviceId=d`,
      mqttPort: 8883,
      insecureSharedWorkloadApi: false,
      list: [{ token: REDACTED }],
    });
  });

  it('masks known secrets and SAS signatures inside any text', () => {
    const key = 'c2VjcmV0LWtleS1iYXNlNjQtdmFsdWUtMTIzNDU2Nzg=';
    const text = `key ${key} twice ${key}; SharedAccessSignature sr=h%2Fdevices%2Fd&sig=abc%2Bdef&se=1`;
    expect(redactText(text, [key])).toBe(`key ${REDACTED} twice ${REDACTED}; SharedAccessSignature sr=h%2Fdevices%2Fd&sig=${REDACTED}&se=1`);
  });
});
