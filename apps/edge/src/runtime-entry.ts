/**
 * What `verge edge start` takes from the edge runtime (runtime-loader.ts), and the entry of its bundle
 * (scripts/bundle-edge.mjs). The bundle carries its own copy of `@verge/contracts`, so its errors are instances of
 * that copy's VergeError: the caller must recognise them with the same copy's `isVergeError`.
 * Its first import bounds V8's young generation before the rest of the runtime is evaluated (runtime-heap.ts).
 */
import './runtime-heap.js';
export { startEdge, type StartEdgeOptions, type RunningEdge } from './start-edge.js';
export { isVergeError } from '@verge/contracts';
