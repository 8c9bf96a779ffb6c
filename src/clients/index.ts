import type { Admin, Kafka } from 'kafkajs';
import type { CoreConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { connectAdmin, createKafka } from './kafka.js';
import { createKafkaAdmin, type KafkaAdmin } from './kafka/admin.js';
import { createRegistryClient, type RegistryClient } from './registry.js';
import { createConnectClient, type ConnectClient } from './connect.js';
import type { ConnectClusterConfig } from '../config/connect.js';

/** Lazily made clients shared by the tasks of one run; the runner closes them at the end. */
export interface Clients {
  kafka(): Kafka;
  /** A connected admin client, shared; do not disconnect it. */
  admin(): Promise<Admin>;
  /** Admin requests with per-item results (topic → ok or its error), connected on first use; shared. */
  kafkaAdmin(): KafkaAdmin;
  registry(): RegistryClient;
  /** The REST client of the Connect cluster named in connect[].name (absent in stand-ins without Connect). */
  connect?(name: string): ConnectClient;
  close(): Promise<void>;
}

export function createClients(config: CoreConfig, dir: string, log: Logger): Clients {
  let kafka: Kafka | undefined;
  let admin: Promise<Admin> | undefined;
  let kafkaAdmin: KafkaAdmin | undefined;
  let registry: RegistryClient | undefined;
  const connect = new Map<string, ConnectClient>();
  const cluster = () => {
    if (!config.cluster) throw new ConfigError('this task needs Kafka, but the config has no cluster section. Add cluster.brokers.');
    return config.cluster;
  };
  return {
    kafka() {
      kafka ??= createKafka(cluster(), { dir, log });
      return kafka;
    },
    admin() {
      admin ??= connectAdmin(this.kafka(), cluster()).catch((error: unknown) => {
        admin = undefined;
        throw error;
      });
      return admin;
    },
    kafkaAdmin() {
      kafkaAdmin ??= createKafkaAdmin(this.kafka(), { retries: cluster().retries });
      return kafkaAdmin;
    },
    registry() {
      if (!config.registry) throw new ConfigError('this task needs the schema registry, but the config has no registry section. Add registry.url.');
      registry ??= createRegistryClient(config.registry, { dir, log });
      return registry;
    },
    connect(name) {
      const clusters = (config.connect ?? []) as ConnectClusterConfig[];
      const cluster = clusters.find((candidate) => candidate.name === name);
      if (!cluster) throw new ConfigError(`no Connect cluster named ${name} in the config's connect list. Add it.`);
      let client = connect.get(name);
      if (!client) {
        client = createConnectClient(cluster, { dir, log });
        connect.set(name, client);
      }
      return client;
    },
    async close() {
      const pending = admin;
      const perItem = kafkaAdmin;
      admin = undefined;
      kafkaAdmin = undefined;
      await Promise.all([pending?.then((connected) => connected.disconnect()).catch(() => undefined), perItem?.close()]);
    },
  };
}
