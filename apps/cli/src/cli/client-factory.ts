import { createApiClient, type ApiClient } from '@verge/api-client';
import { resolveConnectionFromProcess, type ConnectionFlags } from '../connection.js';
import { createNodeFetch } from '../http/node-fetch.js';

/**
 * Builds the API client for a command from its connection flags: resolves the connection string, URL and CA, and
 * uses the Node fetch adapter when a private CA must be trusted (global fetch otherwise).
 */
export async function clientFromFlags(flags: ConnectionFlags): Promise<ApiClient> {
  const connection = await resolveConnectionFromProcess(flags);
  return createApiClient({
    connectionString: connection.connectionString,
    baseUrl: connection.apiUrl,
    ...(connection.caPem === undefined ? {} : { fetch: createNodeFetch({ caPem: connection.caPem }) }),
  });
}
