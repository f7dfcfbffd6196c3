import { UsageError } from '../errors.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { ask, canPrompt } from '../output/prompts.js';
import { resolveProfileName } from '../profiles/paths.js';
import type { Profile } from '../profiles/profile.js';
import { cacheKeyAccount, openRepository, openTokenCache } from '../profiles/session.js';
import { openSecretStore } from '../secrets/open-store.js';

export interface RemoveOptions extends GlobalOptions {
  profile: string | undefined;
  all: boolean;
  yes: boolean;
}

/** Deletes profiles with their secrets and cached tokens; entries already gone are not an error. */
export async function removeCommand(options: RemoveOptions, io: Io): Promise<void> {
  const { layout, repo } = openRepository(io);
  let profiles: Profile[];
  if (options.all) {
    const entries = await repo.list();
    const broken = entries.find((entry) => entry.problem);
    if (broken?.problem) throw broken.problem;
    profiles = entries.flatMap((entry) => (entry.profile ? [entry.profile] : []));
  } else {
    profiles = [await repo.read(resolveProfileName(options.profile, io.env))];
  }
  const names = profiles.map((p) => p.name);
  if (profiles.length === 0) {
    io.stderr.write('no profiles to remove\n');
    return;
  }
  if (!options.yes) {
    if (!canPrompt(io)) {
      throw new UsageError('CONFIRMATION_REQUIRED', `removing ${names.join(', ')} needs confirmation`, { hint: 'Pass --yes when running without a terminal.' });
    }
    const confirmed = await ask((p) => p.confirm({ message: `Remove ${names.length === 1 ? 'profile' : 'profiles'} ${names.join(', ')} with their secrets and cached tokens?`, default: false }));
    if (!confirmed) {
      io.stderr.write('nothing removed\n');
      return;
    }
  }
  for (const profile of profiles) {
    const store = await openSecretStore(profile.store, layout.secretsDir, io);
    for (const account of Object.values(profile.secretAccounts)) if (account) await store.delete(account);
    await openTokenCache(layout, store).delete(profile.name);
    await store.delete(cacheKeyAccount(profile.name));
    await repo.delete(profile.name);
  }
  if (options.json) io.stdout.write(`${JSON.stringify({ removed: names }, null, 2)}\n`);
  else io.stderr.write(`removed ${names.join(', ')} (profile, secrets and cached token)\n`);
}
