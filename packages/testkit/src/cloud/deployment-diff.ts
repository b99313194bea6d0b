/** Module twins' desired properties by module id, as `TestCloud.moduleDesiredAll` reads them. */
export type ModuleDesiredMap = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** What changed on one device between two reads of its module twins, in the terms of a dry-run plan's device entry. */
export interface ObservedDeviceChange {
  /** Module twins whose desired properties changed (a plan's `replaceDesired` steps), sorted. */
  readonly replaced: string[];
  /** `$edgeAgent` modules added, updated and removed (a plan's `summary.modules`), each sorted. */
  readonly modules: { readonly added: string[]; readonly updated: string[]; readonly removed: string[] };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Compares a device's module twins before and after a deployment applied (to check a dry-run predicted it). */
export function observedDeviceChange(before: ModuleDesiredMap, after: ModuleDesiredMap): ObservedDeviceChange {
  const ids = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const replaced = ids.filter((m) => m in after && !same(after[m], before[m])).sort();
  const agentModules = (d: ModuleDesiredMap): Record<string, unknown> => (d['$edgeAgent']?.['modules'] ?? {}) as Record<string, unknown>;
  const [was, now] = [agentModules(before), agentModules(after)];
  return {
    replaced,
    modules: {
      added: Object.keys(now).filter((m) => !(m in was)).sort(),
      updated: Object.keys(now).filter((m) => m in was && !same(now[m], was[m])).sort(),
      removed: Object.keys(was).filter((m) => !(m in now)).sort(),
    },
  };
}
