import { setFlagsFromString } from 'node:v8';

/**
 * V8 grows the young generation (new space: two semi-spaces) from 1 MiB per semi-space up to 16 MiB as soon as
 * scavenges see survivors, and rarely gives it back: the edge runtime sat at 16–32 MiB of new space, idle or not
 * (issue 8, footprint). `--max-semi-space-size` sizes the heap at isolate creation, so a running process cannot set
 * it; but the growth factor is read at each growth, so setting it to 1 keeps the semi-spaces at the size they have.
 * V8 clamps the factor back to ≥ 2 whenever an isolate is configured, i.e. when a worker thread starts: the hub's
 * WAL checkpoint worker calls {@link keepYoungGenerationBound} once its thread is up.
 */
const FLAG = '--semi-space-growth-factor=1';
/** Process-wide, not module state: the loader and the bundle each have their own copy of this module. */
const BOUND = Symbol.for('verge.edge.youngGenerationBound');

/**
 * Applies the bound unless the process was started with a semi-space flag of its own (an operator's
 * `--max-semi-space-size` in NODE_OPTIONS or on the node command line wins). Returns whether it applied.
 */
export function boundYoungGeneration(execArgv: readonly string[] = process.execArgv, nodeOptions: string | undefined = process.env['NODE_OPTIONS']): boolean {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) => /^--(max|min)[-_]semi[-_]space[-_]size/.test(a));
  if (given) return false;
  setFlagsFromString(FLAG);
  (globalThis as Record<symbol, unknown>)[BOUND] = true;
  return true;
}

/** Sets the bound again after a worker thread's isolate reset it; nothing when {@link boundYoungGeneration} did not apply it. */
export function keepYoungGenerationBound(): void {
  if ((globalThis as Record<symbol, unknown>)[BOUND] === true) setFlagsFromString(FLAG);
}
