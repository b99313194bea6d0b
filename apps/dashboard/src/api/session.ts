import { parseServiceConnectionString, serviceSasToken, tokenExpirySec } from './sas.js';

/** A signed-in session: the SAS token every request carries, and when it expires. */
export interface Session {
  readonly token: string;
  readonly expirySec: number;
  /** The policy the token names (`skn`), shown in the header. */
  readonly policy: string;
}

const STORAGE_KEY = 'verge.dashboard.session';
/** Lifetime of a token derived from a connection string. */
export const SIGN_IN_TTL_SEC = 8 * 3600;

/** A session from a service connection string (the key signs one token here and is then dropped) or a pasted SAS token. */
export async function signIn(secret: string, nowMs: number): Promise<Session> {
  const text = secret.trim();
  if (text === '') throw new Error('paste a service connection string or a SAS token');
  if (text.startsWith('SharedAccessSignature')) {
    const expirySec = tokenExpirySec(text);
    if (expirySec * 1000 <= nowMs) throw new Error(`token: expired at ${new Date(expirySec * 1000).toISOString()}`);
    return { token: text, expirySec, policy: new URLSearchParams(text.slice('SharedAccessSignature '.length)).get('skn') ?? '(device token)' };
  }
  const credentials = parseServiceConnectionString(text);
  const expirySec = Math.floor(nowMs / 1000) + SIGN_IN_TTL_SEC;
  return { token: await serviceSasToken(credentials, expirySec), expirySec, policy: credentials.policyName };
}

/** The stored session while its token is valid; undefined otherwise (an expired one is removed). */
export function loadSession(nowMs: number): Session | undefined {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (raw === null) return undefined;
  try {
    const s = JSON.parse(raw) as Session;
    if (typeof s.token === 'string' && typeof s.expirySec === 'number' && s.expirySec * 1000 > nowMs) return s;
  } catch {
    // unreadable: dropped below
  }
  sessionStorage.removeItem(STORAGE_KEY);
  return undefined;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
