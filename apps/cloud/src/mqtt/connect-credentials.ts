// Moved to the shared IoT Hub MQTT transport (@verge/platform iothub-mqtt); kept as a re-export for existing imports.
export { claimIdentity, clientIdOf, parseClientId, type ClaimResult, type ClaimedIdentity } from '@verge/platform';
