// Minimal types for tar-stream 2.2.0 (the version dockerode's tar-fs already brings in; it ships no types and
// @types/tar-stream is not installed). Packing is what the testkit uses; extracting is what its tests check with.
declare module 'tar-stream' {
  import type { Readable, Writable } from 'node:stream';

  export interface Headers {
    name: string;
    size?: number;
    mode?: number;
    mtime?: Date;
    type?: 'file' | 'directory' | 'symlink' | 'link';
    linkname?: string;
    uid?: number;
    gid?: number;
    uname?: string;
    gname?: string;
  }

  export interface Pack extends Readable {
    /** Adds an entry whose body is `buffer`, or returns a writable for the body when none is given. */
    entry(headers: Headers, buffer: string | Buffer, callback?: (error?: Error | null) => void): Writable;
    entry(headers: Headers, callback?: (error?: Error | null) => void): Writable;
    finalize(): void;
  }

  export function pack(): Pack;

  export interface Extract extends Writable {
    on(event: 'entry', listener: (headers: Headers, stream: Readable, next: (error?: Error) => void) => void): this;
    on(event: 'finish' | 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
  }

  export function extract(): Extract;
}
