export { writeSupportBundle, type RuntimeManagement, type SupportBundleOptions, type SupportBundleResult } from './support-bundle.js';
export { redactSettings, redactText, REDACTED } from './redact.js';
