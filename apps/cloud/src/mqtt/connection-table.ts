// Moved to the shared IoT Hub MQTT transport (@verge/platform iothub-mqtt); kept as a re-export for existing imports.
export { ConnectionTable } from '@verge/platform';
