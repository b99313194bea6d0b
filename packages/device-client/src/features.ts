import { topics } from '@verge/contracts';

/** A subscription the client makes on first use of an operation (azure-sdk-protocol.md §3). */
export type Feature = 'twinResponses' | 'desiredPatches' | 'methods' | 'c2d' | 'inputs';

/** Subscription order on a new session: twin responses first, since queued twin requests wait for them. */
export const FEATURE_ORDER: readonly Feature[] = ['twinResponses', 'desiredPatches', 'methods', 'c2d', 'inputs'];

/** The filter and QoS of a feature, exactly as the SDK subscribes (one filter per SUBSCRIBE). */
export function featureFilter(feature: Feature, deviceId: string, moduleId: string | undefined): { filter: string; qos: 0 | 1 } {
  switch (feature) {
    case 'twinResponses':
      return { filter: topics.sub.twinResponses, qos: 0 };
    case 'desiredPatches':
      return { filter: topics.sub.twinDesiredPatches, qos: 0 };
    case 'methods':
      return { filter: topics.sub.methodRequests, qos: 0 };
    case 'c2d':
      return { filter: topics.sub.c2d(deviceId), qos: 1 };
    case 'inputs':
      return { filter: topics.sub.moduleInputs(deviceId, moduleId ?? ''), qos: 1 };
    default: {
      const never: never = feature;
      return never;
    }
  }
}
