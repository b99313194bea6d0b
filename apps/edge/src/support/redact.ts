/** What replaces a secret in the support bundle. */
export const REDACTED = '[redacted]';

// Setting names whose values are secrets, whatever the nesting: keys, connection strings, passwords, tokens.
const SECRET_NAME = /key|secret|password|token|connectionstring|credential|signature/i;
// `SharedAccessKey=…`, `SharedAccessSignature …sig=…` inside any text (connection strings, SAS tokens).
const SECRET_IN_TEXT = [/(SharedAccessKey=)[^;"'\s]+/gi, /(sig=)[^&;"'\s]+/gi];

/**
 * A deep copy of a configuration object with the value of every setting whose name says secret replaced, and
 * connection strings or SAS tokens inside other strings masked.
 */
export function redactSettings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => redactSettings(v));
  if (typeof value === 'string') return redactText(value, []);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_NAME.test(k) && v !== undefined && v !== null && typeof v !== 'boolean' ? REDACTED : redactSettings(v)]));
}

/** `text` with every known secret (and any `SharedAccessKey=`/`sig=` value) replaced: the last pass over every bundle file. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join(REDACTED);
  for (const pattern of SECRET_IN_TEXT) out = out.replace(pattern, `$1${REDACTED}`);
  return out;
}
