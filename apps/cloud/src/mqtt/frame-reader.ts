// Moved to the shared IoT Hub MQTT transport (@verge/platform iothub-mqtt); kept as a re-export for existing imports.
export { FrameReader, type FrameEvent } from '@verge/platform';
