import type { StoreKind } from '../choices.js';
import { Code, SecretStoreError, UsageError } from '../errors.js';
import type { Io } from '../output/io.js';
import { ask, canPrompt } from '../output/prompts.js';
import type { SecretStore } from './store.js';

export const PASSPHRASE_ENV = 'TOKENCTL_PASSPHRASE';

/** The passphrase of the encrypted file store: the environment, else a prompt, else a clear refusal. */
function passphraseSource(io: Io): (purpose: 'open' | 'create') => Promise<string> {
  return async (purpose) => {
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
    const notEmpty = (value: string) => (value.trim() === '' ? 'The passphrase must not be empty.' : true);
    const message = purpose === 'create' ? 'New passphrase for the tokenctl secret files:' : 'Passphrase of the tokenctl secret file:';
    const typed = await ask((p) => p.password({ message, mask: '*', validate: notEmpty }, { output: process.stderr }));
    io.scrubber.add(typed);
    if (purpose === 'create') {
      // A typo in a new passphrase would lock the profile's secrets away for good: it is typed twice.
      const again = await ask((p) => p.password({ message: 'The same passphrase again:', mask: '*' }, { output: process.stderr }));
      if (again !== typed) {
        throw new UsageError(Code.SECRET_FILE_PASSPHRASE_MISMATCH, 'the two passphrases differ: nothing was written', { hint: 'Run the command again and type the same passphrase twice.' });
      }
    }
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
