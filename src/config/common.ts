import { z } from 'zod';
import { durationProblem, parseDuration } from '../duration.js';
import { parseSize } from './input.js';

/** A duration with a unit: "500ms", "30s", "2m", "1h", "1m30s". Parsed to milliseconds. */
export const Duration = z
  .string({ error: 'expected a duration with a unit, such as 500ms, 30s, 2m or 1h' })
  .refine((text) => parseDuration(text) !== undefined, { message: 'expected a duration with a unit, such as 500ms, 30s, 2m or 1h' })
  .transform((text, ctx) => {
    const ms = parseDuration(text)!;
    const problem = durationProblem(ms);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    return ms;
  })
  .meta({ description: 'A duration with a unit: 500ms, 30s, 2m, 1h, 1m30s; at most 596h.', examples: ['30s', '2m'] });

/** A size with a binary unit: "512KiB", "8MiB", "1GiB". Parsed to bytes. */
export const Size = z
  .string({ error: 'expected a size with a unit, such as 512KiB, 8MiB or 1GiB' })
  .refine((text) => (parseSize(text) ?? 0) > 0, { message: 'expected a size with a unit, such as 512KiB, 8MiB or 1GiB' })
  .transform((text) => parseSize(text)!)
  .meta({ description: 'A size with a unit: 512KiB, 8MiB, 1GiB.', examples: ['8MiB'] });

export const NonEmptyString = z.string().min(1, { message: 'must not be empty' });

/** A path to a file, relative to the config file's folder. */
export const FilePath = NonEmptyString.meta({ description: 'A file path, relative to the folder of the config file.' });

/** The `files` key of a declaration section: one path or glob, or a list of them. */
export const DeclarationFiles = z
  .union([FilePath, z.array(FilePath).min(1, { error: 'list at least one file or glob' })])
  .transform((value) => (Array.isArray(value) ? value : [value]));

/** A name prefix or a list of them (`managedPrefix`): the names a config owns. */
export const NamePrefixes = z
  .union([NonEmptyString, z.array(NonEmptyString).min(1, { error: 'list at least one prefix, or remove the key' })])
  .transform((value) => (Array.isArray(value) ? value : [value]));

/** What happens to a managed resource that is no longer declared. */
export const DeleteMode = z.enum(['forbid', 'managed']).default('forbid');

/**
 * A secret given inline (usually `${ENV_VAR}`) or as a file, so that a Kubernetes Secret can be
 * mounted as a file. Exactly one of the two. The loader reads the file into the inline key.
 */
export function secretPair<K extends string>(key: K, description: string) {
  const fileKey = `${key}File` as const;
  return {
    [key]: NonEmptyString.optional().meta({ description: `${description} Prefer ${fileKey} or an environment variable reference.` }),
    [fileKey]: FilePath.optional().meta({ description: `A file holding the ${description.toLowerCase()} (a mounted Kubernetes Secret). Trailing newlines are ignored.` }),
  } as { [P in K]: z.ZodOptional<z.ZodString> } & { [P in `${K}File`]: z.ZodOptional<z.ZodString> };
}

function exactlyOneOf(key: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const inline = value[key] !== undefined;
    const file = value[`${key}File`] !== undefined;
    if (inline === file) {
      ctx.addIssue({
        code: 'custom',
        message: inline ? `give either ${key} or ${key}File, not both` : `${key} or ${key}File is required`,
        path: inline ? [`${key}File`] : [],
      });
    }
  };
}

export const TlsConfig = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: 'Use TLS. Setting any other TLS key implies it.' }),
    caFile: FilePath.optional().meta({ description: 'PEM file of the CA(s) that signed the server certificate; the system CAs otherwise.' }),
    certFile: FilePath.optional().meta({ description: 'PEM client certificate, for mutual TLS.' }),
    keyFile: FilePath.optional().meta({ description: 'PEM private key of the client certificate.' }),
    ...secretPair('keyPassword', 'Password of the client key.'),
    servername: NonEmptyString.optional().meta({ description: 'Server name for SNI and certificate checks, when it differs from the address.' }),
    rejectUnauthorized: z.boolean().default(true).meta({ description: 'Verify the server certificate. Turn off only against a throwaway environment.' }),
  })
  .superRefine((tls, ctx) => {
    if (tls.keyPassword !== undefined && tls.keyPasswordFile !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give either keyPassword or keyPasswordFile, not both', path: ['keyPasswordFile'] });
    }
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'certFile and keyFile go together for mutual TLS', path: [tls.certFile ? 'keyFile' : 'certFile'] });
    }
  });

const SaslConfig = z
  .strictObject({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).meta({ description: 'SASL mechanism.' }),
    username: NonEmptyString,
    ...secretPair('password', 'SASL password.'),
  })
  .superRefine(exactlyOneOf('password'));

const BrokerAddress = z
  .string()
  .regex(/^[^\s:,]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, { message: 'expected host:port' });

export const ClusterConfig = z.strictObject({
  brokers: z
    .union([z.array(BrokerAddress).min(1, { message: 'at least one broker is required' }), z.string()])
    .transform((value, ctx) => {
      const list = Array.isArray(value) ? value : value.split(',').map((item) => item.trim()).filter(Boolean);
      for (const [index, broker] of list.entries()) {
        if (!BrokerAddress.safeParse(broker).success) {
          ctx.addIssue({ code: 'custom', message: `"${broker}" is not host:port`, path: Array.isArray(value) ? [index] : [] });
        }
      }
      if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one broker is required' });
      return list;
    })
    .meta({ description: 'Bootstrap servers as a list, or one comma-separated string (handy with ${KAFKA_BROKERS}).' }),
  clientId: NonEmptyString.default('synchook'),
  tls: TlsConfig.optional(),
  sasl: SaslConfig.optional(),
  connectionTimeout: Duration.prefault('10s').meta({ description: 'Time to open a connection to one broker.' }),
  requestTimeout: Duration.prefault('30s').meta({ description: 'Time for one request to a broker.' }),
  retries: z.int().min(0).max(20).default(5).meta({ description: 'Retries of a failed request (bounded, with backoff).' }),
});
export type ClusterConfig = z.output<typeof ClusterConfig>;

/**
 * The base URL of a REST API synchook calls. Credentials in it are refused: every message that
 * names the service would print them.
 */
export function restApiUrl(refusal: string) {
  return z.url({ protocol: /^https?$/ }).refine((url) => !/^[a-z]+:\/\/[^/?#]*@/i.test(url), { message: refusal });
}

/** HTTP basic auth of a REST API: a user name and the password, inline or from a file. */
export function basicAuthConfig(passwordDescription: string) {
  return z
    .strictObject({ username: NonEmptyString, ...secretPair('password', passwordDescription) })
    .superRefine(exactlyOneOf('password'))
    .optional();
}

export const RegistryConfig = z.strictObject({
  url: restApiUrl('credentials in the URL are not allowed (every message that names the registry would print them); put them in registry.basicAuth (username and passwordFile)').meta({
    description: 'Base URL of the Confluent-compatible REST API, e.g. http://schema-registry:8081 or https://host/apis/ccompat/v7.',
  }),
  basicAuth: basicAuthConfig('Registry password.'),
  tls: TlsConfig.optional(),
  timeout: Duration.prefault('10s').meta({ description: 'Time for one request to the registry.' }),
  retries: z.int().min(0).max(10).default(3).meta({ description: 'Retries of a request that failed with 5xx or a network error.' }),
});
export type RegistryConfig = z.output<typeof RegistryConfig>;
export type TlsConfig = z.output<typeof TlsConfig>;
type SaslConfig = z.output<typeof SaslConfig>;
