import { topics } from '@verge/contracts';

/** A subscription the client makes on first use of an operation (azure-sdk-protocol.md §3). */
export type Feature = 'twinResponses' | 'desiredPatches' | 'methods' | 'c2d' | 'inputs';

/**
 * Subscription order on a new session, one SUBSCRIBE at a time. Desired patches come before twin responses: queued
 * twin requests go out once twin responses are subscribed, so a GET is never answered with a twin older than a
 * desired patch the client was not yet subscribed to (a patch lost that way would wait for the next full read).
 */
export const FEATURE_ORDER: readonly Feature[] = ['desiredPatches', 'twinResponses', 'methods', 'c2d', 'inputs'];

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
