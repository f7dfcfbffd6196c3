import type { StoreKind } from '../choices.js';
import { Code, SecretStoreError } from '../errors.js';
import type { Io } from '../output/io.js';
import { ask, canPrompt } from '../output/prompts.js';
import type { SecretStore } from './store.js';

export const PASSPHRASE_ENV = 'TOKENCTL_PASSPHRASE';

/** The passphrase of the encrypted file store: the environment, else a prompt, else a clear refusal. */
function passphraseSource(io: Io): () => Promise<string> {
  return async () => {
    const fromEnv = io.env[PASSPHRASE_ENV];
    if (fromEnv) {
      io.scrubber.add(fromEnv);
      return fromEnv;
    }
    if (!canPrompt(io)) {
      throw new SecretStoreError(Code.SECRET_FILE_PASSPHRASE_MISSING, 'the encrypted file store needs its passphrase, and there is no terminal to ask for it', {
        hint: `Set ${PASSPHRASE_ENV} (from your CI system's secret variables).`,
      });
    }
    const typed = await ask((p) => p.password({ message: 'Passphrase of the tokenctl secret file:', mask: '*' }, { output: process.stderr }));
    io.scrubber.add(typed);
    return typed;
  };
}

/** Opens a profile's secret store; keytar and the file format stay behind this call. */
export async function openSecretStore(kind: StoreKind, secretsDir: string, io: Io): Promise<SecretStore> {
  if (kind === 'file') {
    const { createFileSecretStore } = await import('./file-store.js');
    return createFileSecretStore({ dir: secretsDir, passphrase: passphraseSource(io) });
  }
  const { createKeychainStore } = await import('./keychain.js');
  return createKeychainStore();
}
