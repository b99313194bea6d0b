// Moved to the shared IoT Hub MQTT transport (@verge/platform iothub-mqtt); kept as a re-export for existing imports.
export { sweepConnections } from '@verge/platform';
