import { Code, UsageError } from '../errors.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { ask, canPrompt } from '../output/prompts.js';
import { appContext } from './context.js';

export interface RemoveOptions extends GlobalOptions {
  profile: string | undefined;
  all: boolean;
  yes: boolean;
}

export async function removeCommand(options: RemoveOptions, io: Io): Promise<void> {
  const { removalTargets, removeProfiles } = await import('../app/remove.js');
  const context = await appContext(io, options);
  const targets = await removalTargets(options, context);
  const names = targets.map((t) => t.name);
  if (targets.length === 0) {
    io.stderr.write('no profiles to remove\n');
    return;
  }
  if (!options.yes) {
    if (!canPrompt(io)) {
      throw new UsageError(Code.CONFIRMATION_REQUIRED, `removing ${names.join(', ')} needs confirmation`, { hint: 'Pass --yes when running without a terminal.' });
    }
    const confirmed = await ask((p) => p.confirm({ message: `Remove ${names.length === 1 ? 'profile' : 'profiles'} ${names.join(', ')} with their secrets and cached tokens?`, default: false }));
    if (!confirmed) {
      io.stderr.write('nothing removed\n');
      return;
    }
  }
  await removeProfiles(targets, context);
  if (options.json) io.stdout.write(`${JSON.stringify({ removed: names }, null, 2)}\n`);
  else io.stderr.write(`removed ${names.join(', ')} (profile, secrets and cached token)\n`);
}
