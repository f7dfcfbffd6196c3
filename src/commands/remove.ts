import { Code, UsageError } from '../errors.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { ask, canPrompt } from '../output/prompts.js';
import { resolveProfileName } from '../profiles/paths.js';
import { appContext } from './context.js';

function removeAgain(options: Pick<RemoveOptions, 'profile' | 'all'>, io: Io): string | undefined {
  if (options.all) return 'then run `tokenctl remove --all --yes` again: it removes what is left';
  try {
    return `then run \`tokenctl remove -p ${resolveProfileName(options.profile, io.env)} --yes\` again: it removes what is left`;
  } catch {
    return undefined; // an invalid name is reported by the command itself
  }
}

export interface RemoveOptions extends GlobalOptions {
  profile: string | undefined;
  all: boolean;
  yes: boolean;
}

export async function removeCommand(options: RemoveOptions, io: Io): Promise<void> {
  const { removalTargets, removeProfiles } = await import('../app/remove.js');
  // The keychain is asked only once a profile file is gone: the way on is this same remove, again.
  const context = await appContext(io, options, removeAgain(options, io));
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
  const { alreadyGone, leftoversRemoved } = await removeProfiles(targets, context);
  const removed = names.filter((name) => !alreadyGone.includes(name) && !leftoversRemoved.includes(name));
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ removed: [...removed, ...leftoversRemoved], alreadyRemoved: alreadyGone }, null, 2)}\n`);
    return;
  }
  if (removed.length) io.stderr.write(`removed ${removed.join(', ')} (profile, secrets and cached token)\n`);
  if (leftoversRemoved.length) io.stderr.write(`removed the secrets ${leftoversRemoved.join(', ')} had left behind (the profile itself was already removed)\n`);
  // Another tokenctl removed it while this one waited for its lock: what was asked for is done.
  if (alreadyGone.length) io.stderr.write(`${alreadyGone.join(', ')} had already been removed by another tokenctl\n`);
}
