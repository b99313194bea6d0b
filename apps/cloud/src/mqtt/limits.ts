import { defaultIotHubMqttLimits, type IotHubMqttLimits } from '@verge/iothub-mqtt';

/** Tunables of the device endpoint: the shared transport's (`IotHubMqttLimits`) plus C2D flow control. */
export interface DeviceEndpointLimits extends IotHubMqttLimits {
  /** Unacknowledged cloud-to-device messages in flight per device. */
  readonly maxInflightC2d: number;
}

/** Defaults; each can be overridden through `createDeviceEndpoint({ limits })`. */
export const defaultDeviceEndpointLimits: DeviceEndpointLimits = {
  ...defaultIotHubMqttLimits,
  maxInflightC2d: 10,
};
