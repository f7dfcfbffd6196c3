import { ProfileNotFoundError, UsageError, type CliError } from '../errors.js';
import { isValidProfileName, resolveProfileName } from '../profiles/paths.js';
import type { Profile } from '../profiles/profile.js';
import type { ProfileRepository } from '../profiles/repository.js';
import { EMPTY_SECRET_STORE } from '../secrets/store.js';
import type { AppContext } from './context.js';
import { profileAccounts } from '../profiles/accounts.js';
import { openRepository, openTokenCache, withProfileWriteLock } from './session.js';

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

/**
 * Deletes profiles with their secrets and cached tokens, each under its lock and read again there.
 * The profile file goes first: once it is gone nothing points at the secrets, so a remove killed
 * half-way never leaves a profile whose secret is missing, only secrets the next configure of that
 * name clears. The secrets and refresh token are found by name, never by listing the keychain.
 * Returns the names that were already gone (another remove got there first): not an error.
 */
export async function removeProfiles(targets: readonly RemovalTarget[], context: AppContext): Promise<{ alreadyGone: string[] }> {
  const repo = openRepository(context.layout);
  const alreadyGone: string[] = [];
  for (const t of targets) {
    await withProfileWriteLock(context.layout, t.name, async () => {
      const fresh = 'problem' in t ? t : await target(repo, t.name).catch((error: unknown) => {
        if (error instanceof ProfileNotFoundError) return undefined;
        throw error;
      });
      if (fresh === undefined || !(await repo.delete(t.name))) {
        alreadyGone.push(t.name);
        return;
      }
      if ('problem' in fresh) {
        context.reporter.warn(`profile ${t.name} is unreadable (${fresh.problem.message}): removed its file; its secret-store entries (named "${t.name}:…") stay, since which store holds them is unknown`);
        // Its store is unknown: a file store's cache key, if there is one, is found by name all the same.
        await openTokenCache(context.layout, EMPTY_SECRET_STORE, 'file', context.env).delete(t.name);
        return;
      }
      const store = await context.openStore(fresh.profile.store);
      await openTokenCache(context.layout, store, fresh.profile.store, context.env).delete(t.name);
      // Its secrets and a sign-in's refresh token: a profile made again under this name must not inherit them.
      const accounts = new Set([...Object.values(fresh.profile.secretAccounts), ...profileAccounts(t.name)]);
      for (const account of accounts) await store.delete(account);
    });
  }
  return { alreadyGone };
}
