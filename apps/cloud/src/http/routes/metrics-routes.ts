import type { ApiDeps } from '../api-deps.js';
import type { ApiRoute } from '../api-route.js';

/** `GET /metrics`: Prometheus text of this instance (docs/metrics.md), for a caller with RegistryRead. */
export function metricsRoutes(deps: Pick<ApiDeps, 'metrics'>): ApiRoute[] {
  const metrics = deps.metrics;
  if (metrics === undefined) return [];
  return [
    {
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics of this cloud instance (text format 0.0.4)',
      description:
        'The `verge_cloud_*` metrics and the process metrics, labelled `iothub` and `cloud_instance`. Prometheus sends the token with `authorization: { type: SharedAccessSignature, credentials: "sr=…&sig=…&se=…&skn=…" }`; a cloud started with `--metrics-port` also serves them without authentication on that (loopback) port.',
      tag: 'system',
      auth: 'RegistryRead',
      responses: { 200: { description: 'The metrics.', contentType: 'text/plain; version=0.0.4' } },
      handler: async (_request, reply) => {
        const { contentType, text } = await metrics.collect();
        return reply.type(contentType).send(text);
      },
    },
  ];
}
