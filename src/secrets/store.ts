/** The service name every tokenctl secret is filed under in the OS keychain. */
export const SECRET_SERVICE = 'tokenctl';

/** Where the encrypted file store's passphrase is read from before anyone is asked. */
export const PASSPHRASE_ENV = 'TOKENCTL_PASSPHRASE';

import type { SecretStoreError } from '../errors.js';

/** Whether a store can be used now, without a prompt: the four states of a keychain, missing aside. */
export type StoreHealth = { state: 'ok'; detail: string } | { state: 'unavailable' | 'locked' | 'access-denied' | 'error'; error: SecretStoreError };

/** Where profile secrets live. Commands see only this, never keytar or the file format. */
export interface SecretStore {
  /** Human-readable name of the backend, for `--verbose` and error messages. */
  readonly backend: string;
  /** The stored value, or null when there is none. */
  get(account: string): Promise<string | null>;
  /** Creates or overwrites. */
  set(account: string, value: string): Promise<void>;
  /** True when something was deleted; false when it was already gone (not an error). */
  delete(account: string): Promise<boolean>;
  /** Checks, within the store's deadline and without prompting, that it can be used (the keychain). */
  health?(): Promise<StoreHealth>;
  /** Asks now for what the store will need later (the file store's passphrase), so no question comes after the answers. */
  prepare?(): Promise<void>;
}

/** A store with nothing in it: reading a token cache's plaintext header needs no keychain. */
export const EMPTY_SECRET_STORE: SecretStore = {
  backend: 'none',
  get: async () => null,
  set: async () => {},
  delete: async () => false,
};
