import type { MqttAuthentication } from '@verge/iothub-mqtt';

/** The authentication columns shared by `devices` and `modules`. */
export interface AuthColumns {
  auth_type: string;
  primary_key: string | null;
  secondary_key: string | null;
  primary_thumbprint: string | null;
  secondary_thumbprint: string | null;
}

/** Flattens an `MqttAuthentication` into its columns. */
export function authToColumns(a: MqttAuthentication): AuthColumns {
  switch (a.type) {
    case 'sas':
      return { auth_type: a.type, primary_key: a.primaryKey, secondary_key: a.secondaryKey, primary_thumbprint: null, secondary_thumbprint: null };
    case 'selfSigned':
      return {
        auth_type: a.type,
        primary_key: null,
        secondary_key: null,
        primary_thumbprint: a.primaryThumbprint,
        secondary_thumbprint: a.secondaryThumbprint,
      };
    case 'certificateAuthority':
      return { auth_type: a.type, primary_key: null, secondary_key: null, primary_thumbprint: null, secondary_thumbprint: null };
    default:
      return assertNever(a);
  }
}

/** Rebuilds an `MqttAuthentication` from its columns (the CHECK constraint guarantees the type). */
export function authFromColumns(c: AuthColumns): MqttAuthentication {
  switch (c.auth_type) {
    case 'sas':
      return { type: 'sas', primaryKey: c.primary_key ?? '', secondaryKey: c.secondary_key ?? '' };
    case 'selfSigned':
      return { type: 'selfSigned', primaryThumbprint: c.primary_thumbprint ?? '', secondaryThumbprint: c.secondary_thumbprint ?? '' };
    default:
      return { type: 'certificateAuthority' };
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected authentication ${JSON.stringify(x)}`);
}
