import type { Admin, Kafka } from 'kafkajs';
import type { SynchookConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { connectAdmin, createKafka } from './kafka.js';
import { createRegistryClient, type RegistryClient } from './registry.js';

/** Lazily made clients shared by the tasks of one run; the runner closes them at the end. */
export interface Clients {
  kafka(): Kafka;
  /** A connected admin client, shared; do not disconnect it. */
  admin(): Promise<Admin>;
  registry(): RegistryClient;
  close(): Promise<void>;
}

export function createClients(config: SynchookConfig, dir: string, log: Logger): Clients {
  let kafka: Kafka | undefined;
  let admin: Promise<Admin> | undefined;
  let registry: RegistryClient | undefined;
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
    registry() {
      if (!config.registry) throw new ConfigError('this task needs the schema registry, but the config has no registry section. Add registry.url.');
      registry ??= createRegistryClient(config.registry, { dir, log });
      return registry;
    },
    async close() {
      const pending = admin;
      admin = undefined;
      if (pending) await pending.then((connected) => connected.disconnect()).catch(() => undefined);
    },
  };
}
