/**
 * What a Kafka Connect worker answers, per endpoint, as zod schemas: every successful answer is
 * checked before anyone reads it, so another service at the URL is reported as "not a Connect REST
 * API" instead of being read as "no connectors". Shapes from the Kafka Connect REST API reference
 * (kafka.apache.org/documentation/#connect_rest) and the worker's resources in connect-runtime
 * (RootResource, ConnectorPluginsResource, ConnectorsResource). Unknown fields are allowed.
 */
import { z } from 'zod';

/** GET / */
export const ServerInfo = z.object({ version: z.string(), commit: z.string().optional(), kafka_cluster_id: z.string().optional() });
export type ServerInfo = z.output<typeof ServerInfo>;

/** GET /connector-plugins */
export const PluginList = z.array(z.object({ class: z.string(), type: z.string().optional(), version: z.string().optional() }));
export type PluginInfo = z.output<typeof PluginList>[number];

/** PUT /connector-plugins/{class}/config/validate */
export const ValidationAnswer = z.object({
  name: z.string(),
  error_count: z.int(),
  configs: z.array(
    z.object({
      definition: z.object({ name: z.string() }).optional(),
      value: z.object({ name: z.string(), errors: z.array(z.string()).default([]) }),
    }),
  ),
});
export type ValidationAnswer = z.output<typeof ValidationAnswer>;

/** A connector's configuration: every value is a string (GET /connectors/{name}/config). */
export const ConnectorConfigAnswer = z.record(z.string(), z.string());

const ConnectorState = z.string();
const TaskStatus = z.object({ id: z.int(), state: ConnectorState, worker_id: z.string().optional(), trace: z.string().optional() });

/** GET /connectors/{name}/status */
export const ConnectorStatusAnswer = z.object({
  name: z.string(),
  connector: z.object({ state: ConnectorState, worker_id: z.string().optional(), trace: z.string().optional() }),
  tasks: z.array(TaskStatus),
  type: z.string().optional(),
});
export type ConnectorStatus = z.output<typeof ConnectorStatusAnswer>;

/** GET /connectors?expand=info&expand=status: every connector's config and status in one answer. */
export const ExpandedConnectorsAnswer = z.record(
  z.string(),
  z.object({
    info: z.object({ name: z.string(), config: ConnectorConfigAnswer, type: z.string().optional() }),
    status: ConnectorStatusAnswer.optional(),
  }),
);

/** PUT /connectors/{name}/config */
export const ConnectorInfoAnswer = z.object({ name: z.string(), config: ConnectorConfigAnswer });

/** Connect's error body (ErrorMessage in connect-runtime). */
export const ConnectErrorAnswer = z.object({ error_code: z.int(), message: z.string().nullable().optional() });

/** Answers with no body the client reads (202 Accepted, 204 No Content). */
export const AnyAnswer = z.unknown();
