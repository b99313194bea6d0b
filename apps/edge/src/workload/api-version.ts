import { VergeError } from '@verge/contracts';

/** The api-versions edged accepts, oldest first (reference azure-iot-edge.md §7). The Node SDK always sends 2018-06-28. */
export const WORKLOAD_API_VERSIONS = ['2018-06-28', '2019-01-30', '2019-10-22', '2019-11-05', '2020-07-07', '2021-12-07', '2022-08-03'] as const;

/** One of {@link WORKLOAD_API_VERSIONS}. */
export type WorkloadApiVersion = (typeof WORKLOAD_API_VERSIONS)[number];

/**
 * Checks the `api-version` query value: required, one of the accepted versions, and not older than the route's
 * `minimum`. Throws AGT_WORKLOAD_API_VERSION_INVALID.
 */
export function checkApiVersion(value: string | null, minimum: WorkloadApiVersion): WorkloadApiVersion {
  if (value === null || value === '') {
    throw new VergeError('AGT_WORKLOAD_API_VERSION_INVALID', `the query parameter api-version is required (accepted: ${WORKLOAD_API_VERSIONS.join(', ')})`);
  }
  const index = (WORKLOAD_API_VERSIONS as readonly string[]).indexOf(value);
  if (index < 0) {
    throw new VergeError('AGT_WORKLOAD_API_VERSION_INVALID', `api-version ${JSON.stringify(value)} is not supported (accepted: ${WORKLOAD_API_VERSIONS.join(', ')})`);
  }
  if (index < WORKLOAD_API_VERSIONS.indexOf(minimum)) {
    throw new VergeError('AGT_WORKLOAD_API_VERSION_INVALID', `api-version ${value} is older than ${minimum}, the oldest this route accepts`);
  }
  return value as WorkloadApiVersion;
}
