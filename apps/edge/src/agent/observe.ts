import type { ObservedState } from '@verge/core';
import type { RuntimeModule } from '../runtime/module-runtime.js';
import type { RuntimesByType } from './executors.js';

/** One snapshot of every runtime: the planner's view and the runtimes' fuller module records. */
export interface Observation {
  readonly observed: ObservedState;
  /** By module id (ids are unique across runtimes: a module id names one container or process). */
  readonly modules: ReadonlyMap<string, RuntimeModule>;
  readonly atMs: number;
}

/**
 * Observes every runtime at once (modules and local images). A runtime that cannot be reached rejects with its
 * PrerequisiteError, which backs off the whole loop: the planner must never see a partial picture, or it would
 * re-create the modules of the missing runtime.
 */
export async function observeRuntimes(runtimes: RuntimesByType, nowMs: () => number): Promise<Observation> {
  const all = Object.values(runtimes).filter((r) => r !== undefined);
  const results = await Promise.all(all.map(async (r) => ({ modules: await r.observe(), images: await r.listImages() })));
  const modules = new Map<string, RuntimeModule>();
  const images = new Set<string>();
  for (const result of results) {
    for (const m of result.modules) if (!modules.has(m.id)) modules.set(m.id, m);
    for (const image of result.images) images.add(image);
  }
  return { observed: { modules: [...modules.values()], images }, modules, atMs: nowMs() };
}
