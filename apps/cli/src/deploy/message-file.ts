import { VergeError, type Message } from '@verge/contracts';
import { z } from 'zod';

/**
 * The message file of `verge route test`: system properties by their edgeHub names (reference §3.3), string
 * application properties, and a body that is any JSON value or a string.
 */
export const MessageFileSchema = z.strictObject({
  systemProperties: z.record(z.string(), z.string()).refine((p) => typeof p.connectionDeviceId === 'string' && p.connectionDeviceId !== '', {
    message: 'connectionDeviceId is required (the edge hub sets it from the sending identity)',
  }),
  properties: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
});

export type MessageFile = z.infer<typeof MessageFileSchema>;

function encodeUtf32le(text: string): Uint8Array {
  const points = Array.from(text, (ch) => ch.codePointAt(0) ?? 0);
  const out = Buffer.alloc(points.length * 4);
  points.forEach((cp, i) => out.writeUInt32LE(cp, i * 4));
  return out;
}

/** The body bytes as a device would send them: a string as is, any other JSON value serialised, in contentEncoding. */
export function encodeBody(body: unknown, contentEncoding: string | undefined): Uint8Array {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  switch (contentEncoding?.toLowerCase()) {
    case 'utf-16':
      return Buffer.from(text, 'utf16le');
    case 'utf-32':
      return encodeUtf32le(text);
    default:
      return Buffer.from(text, 'utf8');
  }
}

/** Validates a parsed message file into a Message; every problem is named with its path (CLI_ARGUMENT_INVALID). */
export function messageFromFile(what: string, input: unknown): Message {
  const parsed = MessageFileSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${['$', ...i.path.map(String)].join('.')}: ${i.message}`);
    throw new VergeError('CLI_ARGUMENT_INVALID', `${what}: ${issues.join('; ')}`, { details: issues });
  }
  const file = parsed.data;
  return {
    systemProperties: file.systemProperties,
    properties: file.properties ?? {},
    body: encodeBody(file.body, file.systemProperties.contentEncoding),
  };
}
