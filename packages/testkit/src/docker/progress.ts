/** What an Engine API progress stream (JSON lines, as sent by image create/import/pull) said. */
export interface ProgressSummary {
  /** `error` fields, in order; any entry means the operation failed even though HTTP said 200. */
  readonly errors: readonly string[];
  /** The last `status` field, e.g. the imported image's `sha256:…` id. */
  readonly lastStatus: string | undefined;
}

/** Parses a progress stream's text. Lines that are not JSON are reported as errors, not ignored. */
export function summarizeProgress(text: string): ProgressSummary {
  const errors: string[] = [];
  let lastStatus: string | undefined;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    let message: unknown;
    try {
      message = JSON.parse(trimmed);
    } catch {
      errors.push(`unparseable progress line: ${trimmed.slice(0, 200)}`);
      continue;
    }
    if (typeof message !== 'object' || message === null) continue;
    const { error, status } = message as { error?: unknown; status?: unknown };
    if (typeof error === 'string') errors.push(error);
    if (typeof status === 'string') lastStatus = status;
  }
  return { errors, lastStatus };
}

/** Reads a whole progress stream into text. */
export async function readStreamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
