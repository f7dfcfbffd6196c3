/** The service name every tokenctl secret is filed under in the OS keychain. */
export const SECRET_SERVICE = 'tokenctl';

/** Where the encrypted file store's passphrase is read from before anyone is asked. */
export const PASSPHRASE_ENV = 'TOKENCTL_PASSPHRASE';

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
}

/** A store with nothing in it: reading a token cache's plaintext header needs no keychain. */
export const EMPTY_SECRET_STORE: SecretStore = {
  backend: 'none',
  get: async () => null,
  set: async () => {},
  delete: async () => false,
};
