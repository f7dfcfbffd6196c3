import { UsageError, type CliError } from '../errors.js';
import { isValidProfileName, resolveProfileName } from '../profiles/paths.js';
import type { Profile } from '../profiles/profile.js';
import type { ProfileRepository } from '../profiles/repository.js';
import { EMPTY_SECRET_STORE } from '../secrets/store.js';
import type { AppContext } from './context.js';
import { cacheKeyAccount, openRepository, openTokenCache } from './session.js';

/** A profile to remove; a broken file (unparseable, insecure) can be removed too, without its secrets. */
export type RemovalTarget = { name: string; profile: Profile } | { name: string; problem: CliError };

async function target(repo: ProfileRepository, name: string): Promise<RemovalTarget> {
  try {
    return { name, profile: await repo.read(name) };
  } catch (error) {
    if (error instanceof UsageError && /^PROFILE_(FILE|SCHEMA|SECRET)/.test(error.code)) return { name, problem: error };
    throw error;
  }
}

/** What `remove -p NAME` or `remove --all` would delete; nothing is deleted yet. */
export async function removalTargets(options: { profile: string | undefined; all: boolean }, context: AppContext): Promise<RemovalTarget[]> {
  const repo = openRepository(context.layout);
  if (!options.all) return [await target(repo, resolveProfileName(options.profile, context.env))];
  return (await repo.list()).flatMap((entry): RemovalTarget[] => {
    if (entry.profile) return [{ name: entry.name, profile: entry.profile }];
    // A file not named like a profile is not one tokenctl wrote: it is left alone, not half-removed.
    if (!isValidProfileName(entry.name)) {
      context.reporter.warn(`${entry.problem.message}: left in place`);
      return [];
    }
    return [{ name: entry.name, problem: entry.problem }];
  });
}

/** Deletes profiles with their secrets and cached tokens; entries already gone are not an error. */
export async function removeProfiles(targets: readonly RemovalTarget[], context: AppContext): Promise<void> {
  const repo = openRepository(context.layout);
  for (const t of targets) {
    if ('problem' in t) {
      context.reporter.warn(`profile ${t.name} is unreadable (${t.problem.message}): removing its file; its secret-store entries, named "${t.name}:…", cannot be identified and stay`);
      await openTokenCache(context.layout, EMPTY_SECRET_STORE).delete(t.name);
    } else {
      const store = await context.openStore(t.profile.store);
      await openTokenCache(context.layout, store).delete(t.name);
      // Every account of the profile, not only those it names: a crashed configure can leave one.
      const accounts = new Set([...Object.values(t.profile.secretAccounts), cacheKeyAccount(t.name), ...(await store.accountsOf(t.name))]);
      for (const account of accounts) if (account) await store.delete(account);
    }
    await repo.delete(t.name);
  }
}
