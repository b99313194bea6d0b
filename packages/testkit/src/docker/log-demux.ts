/** A container's output split by stream. */
export interface ContainerOutput {
  readonly stdout: string;
  readonly stderr: string;
}

const HEADER_BYTES = 8;

/**
 * Splits the Engine API's multiplexed log format (containers without a TTY): frames of an 8-byte header
 * `[stream, 0, 0, 0, size(uint32 BE)]` followed by `size` bytes; stream 1 is stdout, 2 stderr (0, stdin, is
 * folded into stdout). A truncated last frame keeps what arrived. Frames are joined before decoding so a
 * multi-byte character split across frames survives.
 */
export function demuxDockerLogs(buffer: Uint8Array): ContainerOutput {
  const stdout: Uint8Array[] = [];
  const stderr: Uint8Array[] = [];
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let offset = 0;
  while (offset + HEADER_BYTES <= buffer.length) {
    const stream = buffer[offset];
    const size = view.getUint32(offset + 4);
    const payload = buffer.subarray(offset + HEADER_BYTES, Math.min(offset + HEADER_BYTES + size, buffer.length));
    (stream === 2 ? stderr : stdout).push(payload);
    offset += HEADER_BYTES + size;
  }
  return { stdout: decode(stdout), stderr: decode(stderr) };
}

function decode(parts: readonly Uint8Array[]): string {
  return Buffer.concat(parts).toString('utf8');
}
