/** The connection string of an identity a command has just written, or why it has none. */
export type WrittenConnectionString = { readonly connectionString: string } | { readonly connectionString?: undefined; readonly reason: string };

/**
 * The connection string of an identity the command has already created or re-keyed (`ids`: its device id, and its
 * module id). IoT Hub allows ';' in ids but a connection string cannot carry it (formatting would throw
 * CONNECTION_STRING_INVALID): the write happened all the same, so the command reports it and where the keys are
 * instead of failing as bad input, whose exit status says nothing was sent.
 */
export function writtenConnectionString(ids: readonly string[], build: () => string | undefined, showCommand: string): WrittenConnectionString {
  if (ids.some((id) => id.includes(';'))) {
    return { reason: `its id holds ';', which a connection string cannot carry; its keys: ${showCommand} --json` };
  }
  const connectionString = build();
  return connectionString === undefined ? { reason: 'it has no credential to put in a connection string' } : { connectionString };
}
