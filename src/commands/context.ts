import { homedir } from 'node:os';
import type { AppContext } from '../app/context.js';
import { fileStoreAlternative, storeOpener } from '../app/stores.js';
import { Code, UsageError } from '../errors.js';
import type { PassphrasePurpose } from '../secrets/file-store.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { ask, canPrompt, secretReader } from '../output/prompts.js';
import { terminalReporter } from '../output/reporter.js';
import { DEFAULTS } from '../oauth/settings.js';
import { configLayout, configRoot, resolveProfileName } from '../profiles/paths.js';

/** The file store's passphrase from the terminal; a new one is typed twice, as a typo would lock its secrets away for good. */
async function askFilePassphrase(purpose: PassphrasePurpose): Promise<string> {
  const notEmpty = (value: string) => (value.trim() === '' ? 'The passphrase must not be empty.' : true);
  const message = purpose === 'create' ? 'New passphrase for the tokenctl secret files:' : 'Passphrase of the tokenctl secret file:';
  const typed = await ask((p) => p.password({ message, mask: '*', validate: notEmpty }, { output: process.stderr }));
  if (purpose === 'create') {
    const again = await ask((p) => p.password({ message: 'The same passphrase again:', mask: '*' }, { output: process.stderr }));
    if (again !== typed) {
      throw new UsageError(Code.SECRET_FILE_PASSPHRASE_MISMATCH, 'the two passphrases differ: nothing was written', { hint: 'Run the command again and type the same passphrase twice.' });
    }
  }
  return typed;
}

/** The edges every flow gets from a command: this process's environment, clock, terminal and files. */
/** Whether a keyring's unlock prompt can reach a person: a terminal, and a desktop to show it on. */
export function canShowKeyringPrompt(io: Io): boolean {
  return canPrompt(io) && Boolean(io.env.DISPLAY || io.env.WAYLAND_DISPLAY);
}

/** The keychain hints' way around the keychain for a command on one saved profile (-p, else TOKENCTL_PROFILE). */
export function profileAlternative(profile: string | undefined, io: Io): string | undefined {
  try {
    return fileStoreAlternative(resolveProfileName(profile, io.env));
  } catch {
    return undefined; // an invalid name is reported by the command itself
  }
}

/**
 * `keychainAlternative` ends every keychain hint with the way around the keychain that this command
 * offers (e.g. `--store file` for configure).
 */
export async function appContext(io: Io, options: Pick<GlobalOptions, 'verbose' | 'json'> & { settings?: { timeoutSeconds?: number | undefined } }, keychainAlternative?: string): Promise<AppContext> {
  const layout = configLayout(configRoot(io.env, process.platform, homedir()));
  const askPassphrase = canPrompt(io) ? askFilePassphrase : undefined;
  const reporter = await terminalReporter(io, options);
  return {
    env: io.env,
    cwd: process.cwd(),
    now: () => io.now(),
    // When this process started (performance.timeOrigin would load perf_hooks for it).
    startedAt: new Date(Date.now() - process.uptime() * 1000),
    layout,
    reporter,
    // Stdin is read before any request: the command's timeout (--timeout, else the default) bounds it.
    readSecret: secretReader(io, (options.settings?.timeoutSeconds ?? DEFAULTS.timeoutSeconds) * 1000),
    openStore: storeOpener({
      secretsDir: layout.secretsDir,
      env: io.env,
      askPassphrase,
      conceal: (secret) => reporter.conceal(secret),
      keychainAlternative,
      mayPromptForKeyring: canShowKeyringPrompt(io),
    }),
  };
}
