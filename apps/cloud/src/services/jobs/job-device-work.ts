import { isVergeError, type MethodInvocation, type TwinUpdateDto } from '@verge/contracts';
import type { JobDeviceRecord, JobRecord } from '../../store/records.js';
import type { MethodService } from '../method-service.js';
import type { TwinService } from '../twin-service.js';

/** What a job does to one device: merge its twin patch (through the twin service) or invoke its method. */
export type DeviceWork = (deviceId: string) => Promise<Pick<JobDeviceRecord, 'status' | 'outcome' | 'error'>>;

/**
 * The work of `job` on one device. Twin updates go through the twin service (so connected devices get the desired
 * patch and `twinChanged` fires); methods through the method service, where an offline device fails at once (or
 * after `connectTimeoutInSeconds`) with CLD_DEVICE_NOT_CONNECTED (IoT Hub's DeviceNotOnline). A device that
 * answered the method completed, whatever status it answered with (as IoT Hub).
 */
export function deviceWorkOf(job: JobRecord, deps: { readonly twins: TwinService; readonly methods: MethodService }): DeviceWork {
  const failed = (e: unknown): Pick<JobDeviceRecord, 'status' | 'outcome' | 'error'> => ({
    status: 'failed',
    outcome: null,
    error: isVergeError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL_ERROR', message: e instanceof Error ? e.message : String(e) },
  });
  if (job.type === 'scheduleUpdateTwin') {
    const patch = (job.updateTwin ?? {}) as TwinUpdateDto;
    return async (deviceId) => {
      try {
        await deps.twins.patchTwin({ deviceId }, patch, undefined);
        return { status: 'completed', outcome: null, error: null };
      } catch (e) {
        return failed(e);
      }
    };
  }
  const invocation = (job.cloudToDeviceMethod ?? {}) as MethodInvocation;
  return async (deviceId) => {
    try {
      const answer = await deps.methods.invoke({ deviceId }, invocation);
      return { status: 'completed', outcome: { deviceMethodResponse: { status: answer.status, payload: answer.payload } }, error: null };
    } catch (e) {
      return failed(e);
    }
  };
}
