export { encodeUriComponentStrict, decodeBase64, encodeBase64 } from './encoding.js';
export {
  SYMMETRIC_KEY_MAX_BYTES,
  SYMMETRIC_KEY_MIN_BYTES,
  deriveModuleKey,
  generateSymmetricKey,
  hmacSha256Base64,
  isValidSymmetricKey,
  signWithKey,
} from './keys.js';
export { createSasToken, createServiceSasToken, parseSasToken, type CreateSasTokenInput, type SasToken } from './sas-token.js';
export {
  IOT_HUB_SAS_CLOCK_SKEW_SEC,
  constantTimeEqual,
  verifySasToken,
  type SasVerification,
  type VerifySasTokenOptions,
} from './sas-verify.js';
export { audienceMatches, deviceResource, moduleResource, parseSasResource, sasAudiences, type SasResource } from './sas-resource.js';
export { parseHostPort, type HostPort } from './host-port.js';
export {
  CONNECTION_STRING_FIELDS,
  parseConnectionString,
  type ConnectionString,
  type DeviceConnectionString,
  type IdentityConnectionString,
  type ModuleConnectionString,
  type ServiceConnectionString,
} from './connection-string.js';
export { IOT_HUB_MQTT_PORT, formatConnectionString, gatewayEndpoint, sasTokenFromConnectionString } from './connection-string-format.js';
export {
  authorizePublish,
  authorizeSubscribe,
  canPublish,
  canSubscribe,
  type AuthzResult,
  type ClientIdentity,
} from './authz.js';
