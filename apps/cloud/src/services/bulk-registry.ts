import {
  BULK_IMPORT_MODES,
  BulkDeviceEntrySchema,
  DeviceInputDtoSchema,
  MAX_BULK_DEVICES,
  VergeError,
  isVergeError,
  type BulkDeviceEntry,
  type BulkImportMode,
} from '@verge/contracts';
import type { DeviceRegistry } from './device-registry.js';

/** One refused entry: Verge's error code (the HTTP layer names IoT Hub's), its status and message. */
export interface BulkEntryError {
  readonly deviceId: string;
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

/** What `POST /devices` did: the entries refused (the others were applied). */
export interface BulkOutcome {
  readonly errors: readonly BulkEntryError[];
}

/** IoT Hub's bulk registry operation (`POST /devices`, azure-iothub `addDevices` / `updateDevices` / `removeDevices`). */
export interface BulkRegistry {
  apply(body: unknown): Promise<BulkOutcome>;
}

const modes = new Map<string, BulkImportMode>(BULK_IMPORT_MODES.map((m) => [m.toLowerCase(), m]));

function invalid(message: string, path: string): VergeError {
  return new VergeError('BULK_REQUEST_INVALID', `${path}: ${message}`, { details: { path } });
}

/** Checks the request as a whole (size, ids, modes, duplicates): a bad request applies nothing. */
function parseEntries(body: unknown): { readonly entry: BulkDeviceEntry; readonly mode: BulkImportMode }[] {
  if (!Array.isArray(body)) throw invalid('the body must be a JSON array of devices with importMode', 'body');
  if (body.length === 0 || body.length > MAX_BULK_DEVICES) throw invalid(`${body.length} devices; a bulk operation takes 1 to ${MAX_BULK_DEVICES}`, 'body');
  const seen = new Set<string>();
  return body.map((raw: unknown, i) => {
    const parsed = BulkDeviceEntrySchema.safeParse(raw);
    if (!parsed.success) throw invalid('each entry needs a string `id` and `importMode`', `[${i}]`);
    const mode = modes.get(parsed.data.importMode.toLowerCase());
    if (mode === undefined) throw invalid(`importMode '${parsed.data.importMode}' is not one of ${BULK_IMPORT_MODES.join(', ')}`, `[${i}].importMode`);
    if (seen.has(parsed.data.id)) throw invalid(`device '${parsed.data.id}' appears more than once`, `[${i}].id`);
    seen.add(parsed.data.id);
    return { entry: parsed.data, mode };
  });
}

/**
 * Builds the bulk registry over the device registry: each entry goes through the same validation and transaction
 * as `PUT`/`DELETE /devices/{id}`, one after the other; an entry that fails is reported in `errors` and the others
 * still apply (IoT Hub's semantics, not one transaction). Modes as IoT Hub's `ImportMode`: `create` fails when the
 * device exists; `update` creates or replaces; `updateIfMatchETag` creates, or replaces only when `eTag` matches;
 * `delete` removes; `deleteIfMatchETag` removes only when `eTag` matches.
 */
export function createBulkRegistry(devices: DeviceRegistry): BulkRegistry {
  const applyOne = async (entry: BulkDeviceEntry, mode: BulkImportMode): Promise<void> => {
    const etag = entry.eTag ?? entry.etag ?? undefined;
    if (mode === 'delete' || mode === 'deleteIfMatchETag') {
      await devices.deleteDevice(entry.id, mode === 'delete' ? '*' : requireEtag(etag, entry.id));
      return;
    }
    const { id, importMode: _mode, eTag: _eTag, etag: _etag, ...rest } = entry;
    const input = DeviceInputDtoSchema.parse({ ...rest, deviceId: id });
    if (mode === 'create') {
      await devices.putDevice(id, input, undefined);
      return;
    }
    const exists = await devices.getDevice(id).then(
      () => true,
      (e: unknown) => {
        if (isVergeError(e, 'CLD_DEVICE_NOT_FOUND')) return false;
        throw e;
      },
    );
    await devices.putDevice(id, input, !exists ? undefined : mode === 'update' ? '*' : requireEtag(etag, id));
  };

  return {
    async apply(body) {
      const errors: BulkEntryError[] = [];
      for (const { entry, mode } of parseEntries(body)) {
        try {
          await applyOne(entry, mode);
        } catch (e) {
          errors.push(entryError(entry.id, e));
        }
      }
      return { errors };
    },
  };
}

function requireEtag(etag: string | undefined, deviceId: string): string {
  if (etag === undefined || etag === '') {
    throw new VergeError('BULK_REQUEST_INVALID', `device '${deviceId}': an IfMatchETag mode needs the device's eTag`, { details: { deviceId } });
  }
  return etag;
}

function entryError(deviceId: string, e: unknown): BulkEntryError {
  if (isVergeError(e)) return { deviceId, code: e.code, status: e.status, message: e.message };
  const zodIssues = (e as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
  if (Array.isArray(zodIssues)) {
    const text = zodIssues.map((i) => `${i.path.map(String).join('.') || '(entry)'}: ${i.message}`).join(', ');
    return { deviceId, code: 'VALIDATION_FAILED', status: 400, message: `device '${deviceId}': ${text}` };
  }
  throw e;
}
