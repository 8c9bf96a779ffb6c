/**
 * What the registry reliability tests share: a fault-injecting proxy in front of the harness
 * registry, reset before each test, and a super-user admin client; topics under the run's prefix
 * are deleted at the end.
 */
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { harness } from '../harness/index.js';
import { startRegistryProxy, type StartedRegistryProxy } from '../harness/registry-proxy.js';
import { deleteTopicsWithPrefix, superAdmin } from './support.js';

export interface RegistryFixture {
  readonly proxy: StartedRegistryProxy;
  readonly admin: Admin;
}

export function useRegistryProxy(runPrefix: string): RegistryFixture {
  let proxy: StartedRegistryProxy | undefined;
  let admin: Admin | undefined;
  beforeAll(async () => {
    proxy = await startRegistryProxy({ target: harness().registry.url });
    admin = await superAdmin(harness().kafka.bootstrap);
  });
  afterAll(async () => {
    await proxy?.stop();
    if (admin) {
      await deleteTopicsWithPrefix(admin, runPrefix);
      await admin.disconnect();
    }
  });
  beforeEach(() => {
    proxy!.setFaults([]);
    proxy!.clearRequests();
  });
  return {
    get proxy() {
      return proxy!;
    },
    get admin() {
      return admin!;
    },
  };
}
