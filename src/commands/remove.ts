import { type CliError, Code, UsageError } from '../errors.js';
import { warn, type GlobalOptions, type Io } from '../output/io.js';
import { ask, canPrompt } from '../output/prompts.js';
import { isValidProfileName, resolveProfileName } from '../profiles/paths.js';
import type { Profile } from '../profiles/profile.js';
import type { ProfileRepository } from '../profiles/repository.js';
import { cacheKeyAccount, openRepository, openTokenCache } from '../profiles/session.js';
import { openSecretStore } from '../secrets/open-store.js';
import { EMPTY_SECRET_STORE } from '../secrets/store.js';

export interface RemoveOptions extends GlobalOptions {
  profile: string | undefined;
  all: boolean;
  yes: boolean;
}

/** A profile to remove; a broken file (unparseable, insecure) can be removed too, without its secrets. */
type Target = { name: string; profile: Profile } | { name: string; problem: CliError };

async function target(repo: ProfileRepository, name: string): Promise<Target> {
  try {
    return { name, profile: await repo.read(name) };
  } catch (error) {
    if (error instanceof UsageError && /^PROFILE_(FILE|SCHEMA|SECRET)/.test(error.code)) return { name, problem: error };
    throw error;
  }
}

/** Deletes profiles with their secrets and cached tokens; entries already gone are not an error. */
export async function removeCommand(options: RemoveOptions, io: Io): Promise<void> {
  const { layout, repo } = openRepository(io);
  const targets: Target[] = options.all
    ? (await repo.list()).flatMap((entry): Target[] => {
        if (entry.profile) return [{ name: entry.name, profile: entry.profile }];
        // A file not named like a profile is not one tokenctl wrote: it is left alone, not half-removed.
        if (!isValidProfileName(entry.name)) {
          warn(io, `${entry.problem.message}: left in place`);
          return [];
        }
        return [{ name: entry.name, problem: entry.problem }];
      })
    : [await target(repo, resolveProfileName(options.profile, io.env))];
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
  for (const t of targets) {
    if ('problem' in t) {
      warn(io, `profile ${t.name} is unreadable (${t.problem.message}): removing its file; its secret-store entries, named "${t.name}:…", cannot be identified and stay`);
      // Its store is unknown: a file store's cache key, if there is one, is found by name all the same.
      await openTokenCache(layout, EMPTY_SECRET_STORE, 'file', io.env).delete(t.name);
    } else {
      const store = await openSecretStore(t.profile.store, layout.secretsDir, io);
      await openTokenCache(layout, store, t.profile.store, io.env).delete(t.name);
      // Every account of the profile, not only those it names: a crashed configure can leave one.
      const accounts = new Set([...Object.values(t.profile.secretAccounts), cacheKeyAccount(t.name), ...(await store.accountsOf(t.name))]);
      for (const account of accounts) if (account) await store.delete(account);
    }
    await repo.delete(t.name);
  }
  if (options.json) io.stdout.write(`${JSON.stringify({ removed: names }, null, 2)}\n`);
  else io.stderr.write(`removed ${names.join(', ')} (profile, secrets and cached token)\n`);
}
