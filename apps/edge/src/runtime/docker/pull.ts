import type { RegistryCredential } from '@verge/contracts';
import { normaliseImageReference } from '@verge/core';
import type Dockerode from 'dockerode';
import { isStepError, type StepError } from '../../agent/step-errors.js';
import { engineMessage, engineUnavailable, isEngineUnreachable, pullError, statusCodeOf } from './engine-errors.js';

/** The `X-Registry-Auth` body of a registry credential (Engine API AuthConfig). */
export function authConfigOf(credential: RegistryCredential): Dockerode.AuthConfig {
  return { username: credential.username, password: credential.password, serveraddress: credential.address };
}

/**
 * Pulls `image` through `POST /images/create?fromImage=<ref>` and reads the progress stream to its end: the
 * engine answers 200 at once and reports registry failures as `{"error": …}` lines, so a pull only succeeded if
 * the stream ends without one. The reference always carries a tag or digest (`:latest` added), because a
 * `fromImage` without one pulls EVERY tag of the repository.
 */
export async function pullImage(docker: Dockerode, endpoint: string, image: string, credential?: RegistryCredential, signal?: AbortSignal): Promise<void> {
  const reference = normaliseImageReference(image);
  let stream: NodeJS.ReadableStream;
  try {
    const options = { fromImage: reference, ...(signal === undefined ? {} : { abortSignal: signal }) };
    stream = (await (credential === undefined
      ? docker.createImage(options)
      : docker.createImage(authConfigOf(credential), options))) as NodeJS.ReadableStream;
  } catch (error) {
    throw classify(error, image, endpoint);
  }
  const failure = await readProgress(stream, image, endpoint);
  if (failure !== undefined) throw failure;
}

async function readProgress(stream: NodeJS.ReadableStream, image: string, endpoint: string): Promise<StepError | undefined> {
  let rest = '';
  let failure: StepError | undefined;
  const take = (line: string): void => {
    const error = progressError(line);
    if (error !== undefined && failure === undefined) failure = pullError(image, undefined, error);
  };
  try {
    for await (const chunk of stream) {
      rest += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      lines.forEach(take);
    }
  } catch (error) {
    return failure ?? classify(error, image, endpoint);
  }
  take(rest);
  return failure;
}

/** The `error` (or `errorDetail.message`) of one progress line, if it has one. */
export function progressError(line: string): string | undefined {
  const trimmed = line.trim();
  if (trimmed === '') return undefined;
  let message: unknown;
  try {
    message = JSON.parse(trimmed);
  } catch {
    return undefined; // a garbled progress line is not a failure; the final state decides
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const { error, errorDetail } = message as { error?: unknown; errorDetail?: { message?: unknown } };
  if (typeof error === 'string' && error !== '') return error;
  if (typeof errorDetail?.message === 'string' && errorDetail.message !== '') return errorDetail.message;
  return undefined;
}

function classify(error: unknown, image: string, endpoint: string): StepError {
  if (isStepError(error)) return error;
  if (isEngineUnreachable(error)) return engineUnavailable(error, endpoint);
  return pullError(image, statusCodeOf(error), engineMessage(error), error);
}
