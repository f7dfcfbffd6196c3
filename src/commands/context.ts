import { homedir } from 'node:os';
import type { AppContext } from '../app/context.js';
import { storeOpener } from '../app/stores.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { ask, canPrompt, secretReader } from '../output/prompts.js';
import { terminalReporter } from '../output/reporter.js';
import { configLayout, configRoot } from '../profiles/paths.js';

/** The edges every flow gets from a command: this process's environment, clock, terminal and files. */
export async function appContext(io: Io, options: Pick<GlobalOptions, 'verbose' | 'json'>): Promise<AppContext> {
  const layout = configLayout(configRoot(io.env, process.platform, homedir()));
  const askPassphrase = canPrompt(io) ? () => ask((p) => p.password({ message: 'Passphrase of the tokenctl secret file:', mask: '*' }, { output: process.stderr })) : undefined;
  const reporter = await terminalReporter(io, options);
  return {
    env: io.env,
    cwd: process.cwd(),
    now: () => io.now(),
    layout,
    reporter,
    readSecret: secretReader(io),
    openStore: storeOpener({ secretsDir: layout.secretsDir, env: io.env, askPassphrase, conceal: (secret) => reporter.conceal(secret) }),
  };
}
