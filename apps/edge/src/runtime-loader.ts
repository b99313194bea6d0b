import { existsSync, readFileSync, statSync } from 'node:fs';
import type * as RuntimeEntry from './runtime-entry.js';
import { boundYoungGeneration } from './young-generation.js';

/** For the `verge` command's entry, to bound the young generation before its own modules load. */
export { boundYoungGeneration } from './young-generation.js';

/** The edge runtime `verge edge start` runs ({@link loadEdgeRuntime}). */
export interface LoadedEdgeRuntime {
  readonly startEdge: typeof RuntimeEntry.startEdge;
  /** Recognises the errors of this copy of the runtime (the bundle has its own VergeError class). */
  readonly isVergeError: typeof RuntimeEntry.isVergeError;
  readonly bundled: boolean;
  /** Why the unbundled build runs (no bundle next to this file, or one of the bundle's inputs is newer). */
  readonly reason?: string;
}

const BUNDLE = new URL('./edge-runtime.bundle.js', import.meta.url);
/** `verge edge start` itself (apps/cli/src/edge-start-main.ts), bundled with the runtime by the same build. */
const EDGE_START_COMMAND_BUNDLE = new URL('./edge-start-command.bundle.js', import.meta.url);
/** Written by the bundler: the workspace build outputs the bundle was made from, relative to this directory. */
const BUNDLE_INPUTS = new URL('./edge-runtime.bundle.inputs.json', import.meta.url);

/**
 * Where `verge edge start` takes the runtime from (issue 8, footprint). `npm run build` (and `prepare`) bundles
 * the runtime into one file next to this one (scripts/bundle-edge.mjs); that file holds far fewer module records
 * and smaller sources than the ~900 modules of the unbundled build, so the idle heap is smaller. The bundle is used
 * only while it is at least as new as every build output it was made from: after a plain `tsc -b` of a changed
 * package it would run yesterday's code, so the unbundled build runs instead and `reason` says why. Loading bounds
 * V8's young generation for the process first (young-generation.ts).
 */
export async function loadEdgeRuntime(): Promise<LoadedEdgeRuntime> {
  // Before the runtime's modules are evaluated (the bundle's shared chunks run before its entry's own first line).
  boundYoungGeneration();
  const reason = bundleUnusableReason();
  if (reason !== undefined) {
    const { startEdge, isVergeError } = await import('./runtime-entry.js');
    return { startEdge, isVergeError, bundled: false, reason };
  }
  const { startEdge, isVergeError } = (await import(BUNDLE.href)) as typeof RuntimeEntry;
  return { startEdge, isVergeError, bundled: true };
}

/**
 * The bundled `verge edge start` command (the CLI's edge-start command and the runtime in one bundle, sharing one
 * copy of the packages both use) for the `verge` entry to import, while the bundle is current; undefined otherwise,
 * and the unbundled CLI runs (its `edge start` then says why the runtime is unbundled). Loading the whole unbundled
 * CLI next to the bundled runtime cost ~15 MB of RSS (issue 8, footprint).
 */
export function bundledEdgeStartCommand(command: URL = EDGE_START_COMMAND_BUNDLE, bundle: URL = BUNDLE, inputList: URL = BUNDLE_INPUTS): string | undefined {
  return bundleUnusableReason(bundle, inputList) === undefined && existsSync(command) ? command.href : undefined;
}

/** undefined when the bundle can run; otherwise why not. The input list's paths are relative to the bundle's. */
export function bundleUnusableReason(bundle: URL = BUNDLE, inputList: URL = BUNDLE_INPUTS): string | undefined {
  let bundledAtMs: number;
  let inputs: unknown;
  try {
    bundledAtMs = statSync(bundle).mtimeMs;
    inputs = JSON.parse(readFileSync(inputList, 'utf8'));
  } catch {
    return 'the edge runtime is not bundled (npm run build bundles it)';
  }
  if (!Array.isArray(inputs)) return 'the bundle input list is unreadable (npm run build remakes it)';
  for (const input of inputs) {
    const url = new URL(String(input), bundle);
    const modifiedAtMs = statSync(url, { throwIfNoEntry: false })?.mtimeMs;
    if (modifiedAtMs === undefined || modifiedAtMs > bundledAtMs) return `the edge runtime bundle is older than ${url.pathname} (npm run build remakes it)`;
  }
  return undefined;
}
