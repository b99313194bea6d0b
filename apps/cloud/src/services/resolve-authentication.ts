import { VergeError, type AuthenticationInputDto } from '@verge/contracts';
import { generateSymmetricKey, isValidSymmetricKey } from '@verge/core';
import { normalizeThumbprint } from '@verge/platform';
import type { MqttAuthentication } from '@verge/iothub-mqtt';
import type { RandomSource } from './context.js';

/** Bytes of a generated symmetric key (IoT Hub generates 32-byte keys). */
const GENERATED_KEY_BYTES = 32;

/**
 * Turns the `authentication` a client sent into what is stored. SAS: keys given are checked (base64 of 16–64
 * bytes), keys missing, empty or null are kept from `previous` (same type) or generated. selfSigned: the
 * primary thumbprint is required, both are normalized to uppercase hex (SHA-1 or SHA-256). certificateAuthority:
 * no secrets. A missing type is inferred as azure-iothub does (thumbprints present → selfSigned, else sas).
 * Throws CLD_AUTHENTICATION_INVALID naming the field.
 */
export function resolveAuthentication(
  input: AuthenticationInputDto | null | undefined,
  previous: MqttAuthentication | undefined,
  random: RandomSource,
  where: string,
): MqttAuthentication {
  const type = input?.type ?? inferType(input);
  switch (type) {
    case 'sas':
      return resolveSas(input, previous?.type === 'sas' ? previous : undefined, random, where);
    case 'selfSigned':
      return resolveSelfSigned(input, where);
    case 'certificateAuthority':
      return { type: 'certificateAuthority' };
    case 'none':
      throw new VergeError('CLD_AUTHENTICATION_INVALID', `${where}.type: authentication type 'none' is not supported; use sas, selfSigned or certificateAuthority`);
    default:
      return assertNever(type);
  }
}

function inferType(input: AuthenticationInputDto | null | undefined): 'sas' | 'selfSigned' {
  const t = input?.x509Thumbprint;
  return nonEmpty(t?.primaryThumbprint) || nonEmpty(t?.secondaryThumbprint) ? 'selfSigned' : 'sas';
}

function resolveSas(
  input: AuthenticationInputDto | null | undefined,
  previous: Extract<MqttAuthentication, { type: 'sas' }> | undefined,
  random: RandomSource,
  where: string,
): MqttAuthentication {
  const key = (given: string | null | undefined, kept: string | undefined, field: string): string => {
    if (nonEmpty(given)) {
      if (!isValidSymmetricKey(given)) {
        throw new VergeError('CLD_AUTHENTICATION_INVALID', `${where}.symmetricKey.${field}: must be base64 of 16 to 64 bytes`, {
          details: { path: `${where}.symmetricKey.${field}` },
        });
      }
      return given;
    }
    return kept ?? generateSymmetricKey(random.bytes(GENERATED_KEY_BYTES));
  };
  return {
    type: 'sas',
    primaryKey: key(input?.symmetricKey?.primaryKey, previous?.primaryKey, 'primaryKey'),
    secondaryKey: key(input?.symmetricKey?.secondaryKey, previous?.secondaryKey, 'secondaryKey'),
  };
}

function resolveSelfSigned(input: AuthenticationInputDto | null | undefined, where: string): MqttAuthentication {
  const thumb = (given: string | null | undefined, field: string, required: boolean): string => {
    if (!nonEmpty(given)) {
      if (!required) return '';
      throw new VergeError('CLD_AUTHENTICATION_INVALID', `${where}.x509Thumbprint.${field}: required for selfSigned authentication`, {
        details: { path: `${where}.x509Thumbprint.${field}` },
      });
    }
    const normalized = normalizeThumbprint(given);
    if (normalized === undefined) {
      throw new VergeError('CLD_AUTHENTICATION_INVALID', `${where}.x509Thumbprint.${field}: must be 40 (SHA-1) or 64 (SHA-256) hex digits`, {
        details: { path: `${where}.x509Thumbprint.${field}` },
      });
    }
    return normalized;
  };
  const t = input?.x509Thumbprint;
  return {
    type: 'selfSigned',
    primaryThumbprint: thumb(t?.primaryThumbprint, 'primaryThumbprint', true),
    secondaryThumbprint: thumb(t?.secondaryThumbprint, 'secondaryThumbprint', false),
  };
}

function nonEmpty(v: string | null | undefined): v is string {
  return typeof v === 'string' && v !== '';
}

function assertNever(x: never): never {
  throw new Error(`unexpected authentication type ${String(x)}`);
}
