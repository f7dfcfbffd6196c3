import type { SecretStore } from '../../src/secrets/store.js';

export interface MemorySecretStore extends SecretStore {
  /** The stored values, to inspect or change behind the store's back. */
  readonly values: Map<string, string>;
}

/** An in-memory SecretStore for unit tests. */
export function createMemorySecretStore(): MemorySecretStore {
  const values = new Map<string, string>();
  return {
    backend: 'memory',
    values,
    get: async (account) => values.get(account) ?? null,
    set: async (account, value) => void values.set(account, value),
    delete: async (account) => values.delete(account),
  };
}
