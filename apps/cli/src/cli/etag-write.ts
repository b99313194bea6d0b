import { isVergeError, VergeError } from '@verge/contracts';

/**
 * Writes back an identity read moments before (`write` sends it with the etag read). A conflict then means someone
 * changed it in between: said so, naming `what`. With an etag the user gave, the server's own message stands.
 */
export async function writeBackRead<T>(what: string, etagGiven: boolean, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (!etagGiven && isVergeError(e, 'CLD_ETAG_MISMATCH')) {
      throw new VergeError('CLD_ETAG_MISMATCH', `${what} changed while it was being updated; nothing was changed, run the command again`, { cause: e });
    }
    throw e;
  }
}
