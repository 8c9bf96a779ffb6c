import { z } from 'zod';
import { Duration, TlsConfig, basicAuthConfig, restApiUrl } from './common.js';

/** One Kafka Connect cluster synchook talks to through its REST API. */
export const ConnectClusterConfig = z.strictObject({
  name: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,63}$/, { message: 'use letters, digits, ".", "_" or "-" (e.g. main, mirror)' })
    .meta({ description: 'Name connectors use to pick this cluster (connectors[].cluster; a Strimzi KafkaConnector\'s strimzi.io/cluster label).' }),
  url: restApiUrl('credentials in the URL are not allowed (every message that names the cluster would print them); use basicAuth').meta({ description: 'Base URL of the Connect REST API, e.g. http://connect:8083.' }),
  basicAuth: basicAuthConfig('Connect REST password.'),
  tls: TlsConfig.optional(),
  timeout: Duration.prefault('30s').meta({ description: 'Time for one request to the REST API (validation can be slow).' }),
  retries: z.int().min(0).max(10).default(3).meta({ description: 'Retries of a request that failed with 5xx or a network error.' }),
});
export type ConnectClusterConfig = z.output<typeof ConnectClusterConfig>;

export const ConnectClustersConfig = z
  .array(ConnectClusterConfig)
  .min(1, { message: 'name at least one Connect cluster' })
  .superRefine((clusters, ctx) => {
    const seen = new Set<string>();
    clusters.forEach((cluster, index) => {
      if (seen.has(cluster.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `Connect cluster ${cluster.name} is listed twice; keep one entry` });
      seen.add(cluster.name);
    });
  });
