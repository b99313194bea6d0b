// What other packages (the test kit, samples' tests) may use of the bus without loading the NATS client.
export { busNames, subjectToken, fromSubjectToken, type BusNames } from './nats-subjects.js';
export { parseBusUrl, DEFAULT_BUS_PREFIX, type BusLocation } from './bus-url.js';
export { TELEMETRY_HEADERS } from './telemetry-format.js';
export type { Lease, Leases } from './lease.js';
