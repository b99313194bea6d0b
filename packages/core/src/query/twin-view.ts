/**
 * What the twin query language and target conditions see of a device or module twin: the IoT Hub twin JSON
 * document (learn.microsoft.com/azure/iot-hub/query-twins: "IoT Hub enables you to query device twins and module
 * twins as a single JSON document containing all twin information"). Paths such as `tags.location.region` or
 * `properties.reported.lastDesiredStatus.code` resolve into it; any other top-level field (`etag`, `version`,
 * `lastActivityTime`, …) is addressable the same way.
 */
export interface TwinView {
  readonly deviceId: string;
  /** Present on module twins (`FROM devices.modules`), absent on device twins. */
  readonly moduleId?: string;
  readonly tags?: Readonly<Record<string, unknown>>;
  readonly properties?: {
    readonly desired?: Readonly<Record<string, unknown>>;
    readonly reported?: Readonly<Record<string, unknown>>;
  };
  /** Identity status: `enabled` or `disabled`. */
  readonly status?: string;
  /** `Connected` or `Disconnected`. */
  readonly connectionState?: string;
  readonly capabilities?: { readonly iotEdge?: boolean };
  /**
   * On the `$edgeAgent` module twin: one entry per automatic deployment that targets the device, addressed in
   * queries as `configurations.[[id]].status` (reference §10.4).
   */
  readonly configurations?: Readonly<Record<string, { readonly status: string }>>;
  readonly [field: string]: unknown;
}
