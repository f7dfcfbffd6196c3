import { join } from 'node:path';
import { CliError, ProfileNotFoundError, UsageError } from '../errors.js';
import { cacheKeyAccount, profileAccounts } from '../profiles/accounts.js';
import { isValidProfileName, resolveProfileName } from '../profiles/paths.js';
import type { Profile } from '../profiles/profile.js';
import { deleteRemovalRecord, readRemovalRecord, removalRecordNames, writeRemovalRecord, type RemovalRecord, type StoreEntry } from '../profiles/removal-record.js';
import type { ProfileRepository } from '../profiles/repository.js';
import { EMPTY_SECRET_STORE, SECRET_SERVICE } from '../secrets/store.js';
import type { AppContext } from './context.js';
import { openRepository, openTokenCache, withProfileWriteLock } from './session.js';

/**
 * A profile to remove; a broken file (unparseable, insecure) can be removed too, without its secrets;
 * and a profile whose file is already gone, by its removal record: secrets a failed or killed remove
 * left behind, or a removal another tokenctl has just made.
 */
export type RemovalTarget = { name: string; profile: Profile } | { name: string; problem: CliError } | { name: string; record: RemovalRecord };

/**
 * Whether a record still matters to a `remove` that started at `startedAt`: it lists secrets left
 * behind, or its removal finished after that remove started (parallel removes: the others are told
 * "already removed", not "no such profile"). A removal finished before is history: exit 3.
 */
const isCurrent = (record: RemovalRecord, startedAt: Date) => record.remaining.length > 0 || Date.parse(record.finishedAt ?? record.removedAt) >= startedAt.getTime();

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
  if (!options.all) {
    const name = resolveProfileName(options.profile, context.env);
    try {
      return [await target(repo, name)];
    } catch (error) {
      if (!(error instanceof ProfileNotFoundError)) throw error;
      const record = await readRemovalRecord(context.layout, name);
      if (record && isCurrent(record, context.startedAt ?? context.now())) return [{ name, record }];
      // A record of a removal done before this command started, with nothing left: the profile is not there.
      if (record) await withProfileWriteLock(context.layout, name, () => forgetFinishedRemoval(name, context), context.env);
      throw error;
    }
  }
  const targets = (await repo.list()).flatMap((entry): RemovalTarget[] => {
    if (entry.profile) return [{ name: entry.name, profile: entry.profile }];
    // A file not named like a profile is not one tokenctl wrote: it is left alone, not half-removed.
    if (!isValidProfileName(entry.name)) {
      context.reporter.warn(`${entry.problem.message}: left in place`);
      return [];
    }
    return [{ name: entry.name, problem: entry.problem }];
  });
  // Secrets that earlier removals left behind go too.
  for (const name of await removalRecordNames(context.layout)) {
    if (targets.some((t) => t.name === name) || !isValidProfileName(name)) continue;
    const record = await readRemovalRecord(context.layout, name);
    if (record?.remaining.length) targets.push({ name, record });
  }
  return targets;
}

async function forgetFinishedRemoval(name: string, context: AppContext): Promise<void> {
  const record = await readRemovalRecord(context.layout, name);
  if (record && !isCurrent(record, context.startedAt ?? context.now())) await deleteRemovalRecord(context.layout, name);
}

/** Every entry a profile of this name can have in its store, and the ones it names. */
function entriesOf(profile: Profile): { all: StoreEntry[]; named: StoreEntry[] } {
  const entry = (account: string): StoreEntry => ({ store: profile.store, account });
  // A file-store profile's cache key is not in its store (src/cache/runtime-keys.ts): the cache deletes it.
  const cacheKey = profile.store === 'keychain' ? [cacheKeyAccount(profile.name)] : [];
  const named = [...Object.values(profile.secretAccounts), ...cacheKey];
  // Its secrets' slots and a sign-in's refresh token: a profile made again under this name must not inherit them.
  return { all: [...new Set([...named, ...profileAccounts(profile.name)])].map(entry), named: named.map(entry) };
}

const mergeEntries = (a: StoreEntry[], b: StoreEntry[]): StoreEntry[] => [...new Map([...a, ...b].map((e) => [`${e.store}\n${e.account}`, e])).values()];

export interface RemovalOutcome {
  /** Removed by another tokenctl (while this one waited for the lock, or just before): not an error. */
  alreadyGone: string[];
  /** Profiles already removed whose left-behind secrets this run removed. */
  leftoversRemoved: string[];
}

/**
 * Deletes profiles with their secrets and cached tokens, each under its lock and read again there.
 * The profile file goes first: once it is gone nothing points at the secrets, so a remove killed or
 * failing half-way never leaves a profile whose secret is missing. What is still to delete is in the
 * profile's removal record, written before the file goes: a second `remove -p NAME` finishes the job.
 * The secrets and a sign-in's refresh token are found by name, never by listing the keychain.
 */
export async function removeProfiles(targets: readonly RemovalTarget[], context: AppContext): Promise<RemovalOutcome> {
  const repo = openRepository(context.layout);
  const outcome: RemovalOutcome = { alreadyGone: [], leftoversRemoved: [] };
  for (const t of targets) {
    await withProfileWriteLock(
      context.layout,
      t.name,
      async () => {
        const fresh = 'problem' in t ? t : await target(repo, t.name).catch((error: unknown) => (error instanceof ProfileNotFoundError ? undefined : Promise.reject(error)));
        if (fresh === undefined) {
          const record = await readRemovalRecord(context.layout, t.name);
          if (!record?.remaining.length) {
            outcome.alreadyGone.push(t.name);
            return;
          }
          await removeLeftovers(record, context);
          outcome.leftoversRemoved.push(t.name);
          return;
        }
        if ('problem' in fresh) {
          if (!(await repo.delete(t.name))) return void outcome.alreadyGone.push(t.name);
          context.reporter.warn(`profile ${t.name} is unreadable (${fresh.problem.message}): removed its file; its secret-store entries (named "${t.name}:…") stay, since which store holds them is unknown`);
          // Its store is unknown: a file store's cache key, if there is one, is found by name all the same.
          await openTokenCache(context.layout, EMPTY_SECRET_STORE, 'file', context.env).delete(t.name);
          return;
        }
        if (!('profile' in fresh)) return;
        const { all, named } = entriesOf(fresh.profile);
        // An earlier removal of this name may have left secrets behind: they go too.
        const earlier = await readRemovalRecord(context.layout, t.name);
        const record: RemovalRecord = { profile: t.name, removedAt: context.now().toISOString(), remaining: mergeEntries(earlier?.remaining ?? [], all), named: mergeEntries(earlier?.remaining.length ? earlier.named : [], named) };
        await writeRemovalRecord(context.layout, record);
        await repo.delete(t.name);
        await removeLeftovers(record, context);
      },
      context.env,
    );
  }
  return outcome;
}

/** Deletes the cached token and every entry the record still lists; on failure the record keeps what is left. */
async function removeLeftovers(record: RemovalRecord, context: AppContext): Promise<void> {
  const left = [...record.remaining];
  try {
    // The cache file (and a file-store profile's cache key) needs no secret store.
    await openTokenCache(context.layout, EMPTY_SECRET_STORE, 'file', context.env).delete(record.profile);
    while (left.length > 0) {
      const entry = left[0] as StoreEntry;
      await (await context.openStore(entry.store)).delete(entry.account);
      left.shift();
    }
  } catch (error) {
    await writeRemovalRecord(context.layout, { ...record, remaining: left });
    throw leftBehind(record, left, error, context);
  }
  await writeRemovalRecord(context.layout, { ...record, remaining: [], finishedAt: context.now().toISOString() });
}

const STORE_NAMES = { keychain: 'OS keychain', file: 'encrypted file store' } as const;

/**
 * The store's error, saying that the profile is gone, which of its secrets are still stored, and
 * how to remove them: the same `remove` again, or by hand.
 */
function leftBehind(record: RemovalRecord, left: StoreEntry[], error: unknown, context: AppContext): unknown {
  if (!(error instanceof CliError)) return error;
  const key = (e: StoreEntry) => `${e.store}\n${e.account}`;
  const stillThere = new Set(left.map(key));
  const listed = record.named.filter((e) => stillThere.has(key(e)));
  const shown = listed.length > 0 ? listed : left;
  const byStore = (['keychain', 'file'] as const)
    .map((store) => [store, shown.filter((e) => e.store === store).map((e) => `"${e.account}"`)] as const)
    .filter(([, accounts]) => accounts.length > 0)
    .map(([store, accounts]) => `the ${STORE_NAMES[store]} still holds ${accounts.join(', ')}${store === 'keychain' ? ` (service "${SECRET_SERVICE}")` : ''}`);
  const name = record.profile;
  const again = `tokenctl remove -p ${name} --yes`;
  const byHand = byHandCommands(name, shown, context);
  // The store's own fix ends with running this remove again (the command's way on); else it is added.
  const fix = error.hint === undefined ? `Run \`${again}\` again: it removes what is left.` : error.hint.includes('tokenctl remove') ? error.hint : `${error.hint.replace(/\.$/, '')}; then run \`${again}\` again: it removes what is left.`;
  const hint = [fix, byHand && `Or remove them yourself: ${byHand}`]
    .filter(Boolean)
    .join(' ');
  const message = `profile ${name} is removed (its file is gone), but ${byStore.join('; ')}: ${error.message.replace(/\.$/, '')}`;
  const Same = error.constructor as new (entry: CliError['entry'], message: string, options: { hint?: string; cause?: unknown }) => CliError;
  return new Same(error.entry, message, { hint, cause: error });
}

const shellQuote = (path: string) => (/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`);

function byHandCommands(name: string, entries: StoreEntry[], context: AppContext): string | undefined {
  const keychain = entries.filter((e) => e.store === 'keychain').map((e) => e.account);
  const commands: string[] = [];
  if (keychain.length > 0 && process.platform === 'linux') commands.push(...keychain.map((account) => `secret-tool clear service ${SECRET_SERVICE} account ${account}`));
  if (keychain.length > 0 && process.platform === 'darwin') commands.push(...keychain.map((account) => `security delete-generic-password -s ${SECRET_SERVICE} -a ${account}`));
  if (entries.some((e) => e.store === 'file')) commands.push(`rm ${shellQuote(join(context.layout.secretsDir, `${name}.enc`))}`);
  return commands.length > 0 ? `\`${commands.join(' && ')}\`` : undefined;
}
