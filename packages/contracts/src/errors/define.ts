/** One entry of the error registry: the HTTP status it maps to and a one-line description for docs/errors.md. */
export interface ErrorSpec {
  readonly status: number;
  readonly description: string;
}

/** Declares a fragment of the error registry; keeps literal keys so `ErrorCode` stays a union. */
export function defineErrors<const T extends Record<string, ErrorSpec>>(specs: T): T {
  return specs;
}
