// Superseded by the shared IoT Hub MQTT transport: @verge/platform iothub-mqtt/packet-dispatch.ts. Nothing imports this file;
// it stays only because this change may not delete files (the lead removes it).
export {};
