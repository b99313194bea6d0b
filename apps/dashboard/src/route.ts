/** Hash routes (`#/devices/d1`): the cloud serves one page at `/`, so no URL of the dashboard collides with an API route. */
export type Route =
  | { readonly page: 'fleet' }
  | { readonly page: 'device'; readonly deviceId: string }
  | { readonly page: 'deployments'; readonly deploymentId?: string }
  | { readonly page: 'jobs' }
  | { readonly page: 'api' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '').map(decodeSegment);
  switch (parts[0]) {
    case 'devices':
      return parts[1] === undefined ? { page: 'fleet' } : { page: 'device', deviceId: parts[1] };
    case 'deployments':
      return parts[1] === undefined ? { page: 'deployments' } : { page: 'deployments', deploymentId: parts[1] };
    case 'jobs':
      return { page: 'jobs' };
    case 'api':
      return { page: 'api' };
    default:
      return { page: 'fleet' };
  }
}

/**
 * A hash segment as the id it names. The page's links encode ids (`hrefOf`), but a URL typed or pasted by hand may
 * hold a bare '%' (IoT Hub ids may: `#/devices/100%`), which `decodeURIComponent` refuses with a URIError that left
 * a blank page: such a segment is the id as written.
 */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export const hrefOf = {
  fleet: (): string => '#/',
  device: (id: string): string => `#/devices/${encodeURIComponent(id)}`,
  deployments: (): string => '#/deployments',
  deployment: (id: string): string => `#/deployments/${encodeURIComponent(id)}`,
  jobs: (): string => '#/jobs',
  api: (): string => '#/api',
};
