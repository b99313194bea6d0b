/** One counted series: how many, and their total size in bytes (0 when sizes are not counted). */
export interface KeyedCount {
  readonly deviceId: string;
  /** Empty for a device (leaf) rather than a module. */
  readonly moduleId: string;
  /** The third key: an output name, a route source, … (empty when there is none). */
  readonly key: string;
  readonly count: number;
  readonly bytes: number;
}

interface Cell {
  count: number;
  bytes: number;
}

/**
 * Counts per (device, module, key) for the hot path: three nested Map lookups per call and no key string, label
 * object or array built (a cell is allocated once per new series). The Prometheus labels are built only when
 * scraped (`entries`). Not bounded: the series are the hub's own clients and their outputs.
 */
export class KeyedCounts {
  private readonly byDevice = new Map<string, Map<string, Map<string, Cell>>>();

  add(deviceId: string, moduleId: string | undefined, key: string, bytes = 0): void {
    let byModule = this.byDevice.get(deviceId);
    if (byModule === undefined) {
      byModule = new Map();
      this.byDevice.set(deviceId, byModule);
    }
    const m = moduleId ?? '';
    let byKey = byModule.get(m);
    if (byKey === undefined) {
      byKey = new Map();
      byModule.set(m, byKey);
    }
    const cell = byKey.get(key);
    if (cell === undefined) byKey.set(key, { count: 1, bytes });
    else {
      cell.count += 1;
      cell.bytes += bytes;
    }
  }

  /** Every series counted so far (copies). */
  entries(): KeyedCount[] {
    const out: KeyedCount[] = [];
    for (const [deviceId, byModule] of this.byDevice) {
      for (const [moduleId, byKey] of byModule) {
        for (const [key, c] of byKey) out.push({ deviceId, moduleId, key, count: c.count, bytes: c.bytes });
      }
    }
    return out;
  }
}

/** iotedge's client id label: `device` or `device/module`. */
export function clientLabel(deviceId: string, moduleId: string): string {
  return moduleId === '' ? deviceId : `${deviceId}/${moduleId}`;
}
