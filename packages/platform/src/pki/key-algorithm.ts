import { KeyObject, createPrivateKey, webcrypto } from 'node:crypto';

/**
 * Key algorithms the PKI can issue. ECDSA P-256 is the default: key generation takes milliseconds and every TLS
 * stack Verge talks to (Node's, hence mqtt.js inside the Azure device SDK) accepts it. RSA 2048 is for peers that
 * only speak RSA.
 */
export type KeyAlgorithm = 'ecdsa-p256' | 'rsa-2048';

/** Node's WebCrypto: passed explicitly to every @peculiar/x509 call instead of setting its global provider. */
export const nodeCrypto = webcrypto;

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
type AlgorithmParams = (webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams) & { hash: string };

/** WebCrypto parameters for key generation, import and signing with `alg`. */
export function algorithmParams(alg: KeyAlgorithm): AlgorithmParams {
  switch (alg) {
    case 'ecdsa-p256':
      return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    case 'rsa-2048':
      return { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
    default: {
      const never: never = alg;
      throw new Error(`unknown key algorithm ${String(never)}`);
    }
  }
}

/** Generates an extractable key pair for `alg`. */
export async function generateKeyPair(alg: KeyAlgorithm): Promise<CryptoKeyPair> {
  return (await nodeCrypto.subtle.generateKey(algorithmParams(alg), true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) of a private key; Node's `tls` accepts it for EC and RSA keys. */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** Imports a PKCS#8 PEM private key for signing with `alg`. */
export async function importSigningKey(pem: string, alg: KeyAlgorithm): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return nodeCrypto.subtle.importKey('pkcs8', der, algorithmParams(alg), false, ['sign']);
}
