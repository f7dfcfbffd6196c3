import type { StoreKind } from '../choices.js';
import { Code, SecretStoreError } from '../errors.js';
import type { PassphrasePurpose } from '../secrets/file-store.js';
import { PASSPHRASE_ENV, type SecretStore } from '../secrets/store.js';

export interface StoreOpenerOptions {
  secretsDir: string;
  env: Record<string, string | undefined>;
  /** Asks for the file store's passphrase (a new one twice); undefined where nobody can be asked (no terminal). */
  askPassphrase: ((purpose: PassphrasePurpose) => Promise<string>) | undefined;
  /** Told the passphrase once it is known, so nothing printed can show it. */
  conceal(secret: string): void;
  /** Ends every keychain hint: the way around the keychain, in the options of the command at hand. */
  keychainAlternative?: string | undefined;
  /** A person at a desktop terminal can answer the keyring's own unlock prompt. */
  mayPromptForKeyring?: boolean;
}

/** The way around the keychain for a command on saved profile `name`: move its secrets to the file store. */
export function fileStoreAlternative(name: string): string {
  return `or keep the secrets of profile ${name} in the encrypted file store instead: \`tokenctl configure -p ${name} --store file\` (giving its secret again, with ${PASSPHRASE_ENV} set)`;
}

/** For configure, which can choose the store itself. */
export const CONFIGURE_FILE_STORE_ALTERNATIVE = `or run this command again with \`--store file\` to keep the secrets in the encrypted file store (passphrase from ${PASSPHRASE_ENV})`;

/**
 * Decides which backend a store kind opens, once per kind and run: the OS keychain through keytar, or
 * the encrypted file store with its passphrase from TOKENCTL_PASSPHRASE, else a prompt.
 */
export function storeOpener(options: StoreOpenerOptions): (kind: StoreKind) => Promise<SecretStore> {
  const opened = new Map<StoreKind, Promise<SecretStore>>();
  const open = async (kind: StoreKind): Promise<SecretStore> => {
    if (kind === 'file') {
      const { createFileSecretStore } = await import('../secrets/file-store.js');
      return createFileSecretStore({ dir: options.secretsDir, passphrase: (purpose) => passphrase(options, purpose) });
    }
    const { createKeychainStore } = await import('../secrets/keychain.js');
    return createKeychainStore({ env: options.env, mayPrompt: options.mayPromptForKeyring ?? false, ...(options.keychainAlternative ? { alternative: options.keychainAlternative } : {}) });
  };
  return (kind) => {
    let store = opened.get(kind);
    if (!store) {
      store = open(kind);
      opened.set(kind, store);
    }
    return store;
  };
}

async function passphrase({ env, askPassphrase, conceal }: StoreOpenerOptions, purpose: PassphrasePurpose): Promise<string> {
  const fromEnv = env[PASSPHRASE_ENV];
  if (fromEnv) {
    conceal(fromEnv);
    return fromEnv;
  }
  if (!askPassphrase) {
    throw new SecretStoreError(Code.SECRET_FILE_PASSPHRASE_MISSING, 'the encrypted file store needs its passphrase, and there is no terminal to ask for it', {
      hint: `Set ${PASSPHRASE_ENV} (from your CI system's secret variables).`,
    });
  }
  const typed = await askPassphrase(purpose);
  conceal(typed);
  return typed;
}
