import { join } from 'node:path';
import { Code, SecretStoreError, UsageError } from '../errors.js';
import { tokenCacheKey } from '../cache/cache-key.js';
import { secretCheck } from '../cache/secret-check.js';
import { createRuntimeKeyStore, processRuntimeKeyDir } from '../cache/runtime-keys.js';
import { createTokenCache, type CachedToken, type TokenCache } from '../cache/token-cache.js';
import type { StoreKind } from '../choices.js';
import type { SecretKind } from '../oauth/credential.js';
import { mergeSettings, relativePaths, type RequestSettings } from '../oauth/settings.js';
import type { TokenResult } from '../oauth/token-response.js';
import { cacheKeyAccount } from '../profiles/accounts.js';
import type { ConfigLayout } from '../profiles/paths.js';
import type { Profile } from '../profiles/profile.js';
import { relativePathProblem } from '../profiles/relative-paths.js';
import { createProfileRepository, type ProfileRepository } from '../profiles/repository.js';
import { keychainBoundMs } from '../secrets/keychain-timeout.js';
import type { SecretStore } from '../secrets/store.js';
import type { AppContext } from './context.js';

/** The cache key of a profile's token: it changes whenever anything that shapes the token does. */
export function profileCacheKey(settings: RequestSettings, credential: Profile['credential']): string {
  return tokenCacheKey({ ...settings, credentialKind: credential });
}

export const openRepository = (layout: ConfigLayout): ProfileRepository => createProfileRepository(layout.root);

/**
 * A profile's token cache. Its key lives with the profile's secrets in the keychain; a file-store
 * profile's lives in the runtime key directory instead (src/cache/runtime-keys.ts), so a cache hit
 * needs neither the passphrase nor scrypt. Without `kind` (only headers read), `store` holds it.
 */
export function openTokenCache(layout: ConfigLayout, store: SecretStore, kind?: StoreKind, env: Record<string, string | undefined> = process.env): TokenCache {
  const keyStore = kind === 'file' ? createRuntimeKeyStore(processRuntimeKeyDir(env), layout.root) : store;
  return createTokenCache({ dir: layout.cacheDir, keyStore, keyAccount: cacheKeyAccount });
}

const SECRET_NAMES: Record<SecretKind, string> = { clientSecret: 'client secret', certificatePassword: 'certificate password', certificateKeyPassword: 'certificate key password' };
const SECRET_FLAGS: Record<SecretKind, string> = { clientSecret: '--client-secret-stdin', certificatePassword: '--certificate-password-stdin', certificateKeyPassword: '(with TOKENCTL_CERTIFICATE_KEY_PASSWORD set)' };

/** Reads a profile's saved secrets on demand; an entry that has vanished is an exit-4 error with the fix. */
export function storedSecretReader(profile: Profile, store: SecretStore): (kind: SecretKind) => Promise<string | undefined> {
  return async (kind) => {
    const account = profile.secretAccounts[kind];
    if (!account) return undefined;
    const value = await store.get(account);
    if (value === null) {
      throw new SecretStoreError(Code.SECRET_MISSING, `the ${SECRET_NAMES[kind]} of profile ${profile.name} is missing from the ${store.backend}`, {
        hint: `Store it again: tokenctl configure -p ${profile.name} ${SECRET_FLAGS[kind]}`,
      });
    }
    return value;
  };
}

/** A cached token in the shape `token` prints, with the time it has left. */
export function fromCache(cached: CachedToken, now: Date): TokenResult {
  const expiresAt = new Date(cached.expiresAt);
  return {
    accessToken: cached.accessToken,
    tokenType: cached.tokenType,
    expiresIn: Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)),
    expiresAt,
    scope: cached.scope,
    warnings: [],
  };
}

/** A token to cache, with proof of the client secret that obtained it (if a secret did). */
export function toCache(token: TokenResult, obtainedAt: Date, secret: string | undefined): CachedToken | undefined {
  // A token without a known expiry cannot be judged later, so it is not cached.
  if (!token.expiresAt) return undefined;
  return {
    accessToken: token.accessToken,
    tokenType: token.tokenType,
    expiresAt: token.expiresAt.toISOString(),
    ...(token.scope !== undefined ? { scope: token.scope } : {}),
    ...(token.idToken !== undefined ? { idToken: token.idToken } : {}),
    obtainedAt: obtainedAt.toISOString(),
    ...(secret !== undefined ? { secretCheck: secretCheck(secret) } : {}),
  };
}

export const lockPath = (layout: ConfigLayout, profile: string): string => join(layout.locksDir, `${profile}.lock`);

/** What a change to a profile's files may take besides the keychain (a sign-in's revocation requests included). */
const WRITE_WORK_MS = 30_000;
/** Disk, start-up and scheduling on a loaded machine, on top of the bounds the work itself has. */
const MARGIN_MS = 30_000;

/**
 * The bounds of a profile's lock. `staleMs` is this process's own as a holder, recorded in the lock
 * file: its request bound `workMs` (the command's --timeout), the keychain's timeout and a margin.
 * Waiters honour the holder's recorded bound, not their own: a live holder within it is always
 * waited for, whatever the waiter's --timeout, and taken over only past it. `timeoutMs` is how long
 * past that a waiter still tries before it gives up (exit 8).
 */
export function lockBounds(workMs: number, env: Record<string, string | undefined>): { staleMs: number; timeoutMs: number } {
  return { staleMs: workMs + keychainBoundMs(env) + MARGIN_MS, timeoutMs: MARGIN_MS };
}

/**
 * Runs a change to a profile's files under its lock, so that a `configure`, a `validate`, a `remove`
 * and a token refresh of the same profile in other processes never interleave: each reads the
 * profile again inside, and writes from what it read there.
 */
export async function withProfileWriteLock<T>(layout: ConfigLayout, profile: string, fn: () => Promise<T>, env: Record<string, string | undefined> = process.env): Promise<T> {
  const { withProfileLock } = await import('../cache/lock.js');
  return withProfileLock(lockPath(layout, profile), { ...lockBounds(WRITE_WORK_MS, env), profile }, fn);
}

export interface ProfileSession {
  repo: ProfileRepository;
  profile: Profile;
  /** The profile's settings with any given on the command line on top. */
  settings: RequestSettings;
  store: SecretStore;
  cache: TokenCache;
  cacheKey: string;
}

/** Everything needed to get a token for a saved profile; opening the keychain costs nothing until used. */
export async function openProfileSession(name: string, flagSettings: RequestSettings, context: Pick<AppContext, 'layout' | 'openStore' | 'env'>): Promise<ProfileSession> {
  const repo = openRepository(context.layout);
  const profile = await repo.read(name);
  const settings = mergeSettings(flagSettings, profile.settings);
  const store = await context.openStore(profile.store);
  return { repo, profile, settings, store, cache: openTokenCache(context.layout, store, profile.store, context.env), cacheKey: profileCacheKey(settings, profile.credential) };
}

/**
 * The file paths the profile itself holds relative (a flag given on this run is the user's own, and
 * relative to where they stand). Saved by an older tokenctl, they work only from the directory
 * `configure` ran in: from cron or CI the file is not found.
 */
export function profileRelativePaths(profile: Profile, settings: RequestSettings): ReturnType<typeof relativePaths> {
  return relativePaths(profile.settings).filter(({ setting }) => settings[setting] === profile.settings[setting]);
}

/** Refuses to request a token with a profile path that depends on the current directory. */
export function checkProfilePaths(profile: Profile, settings: RequestSettings, cwd: string): void {
  const paths = profileRelativePaths(profile, settings);
  if (paths.length === 0) return;
  const { message, fix } = relativePathProblem(profile.name, paths, cwd);
  throw new UsageError(Code.PROFILE_RELATIVE_PATH, message, { hint: fix });
}

/**
 * Runs `use` with a session whose profile and stored secrets belong together. A configure that
 * rotates a secret switches the profile to the new account before it deletes the old one: a secret
 * found missing is read again through the profile as it is now, and is an error only when the
 * profile still names the same account.
 */
export async function withConsistentSession<T>(first: ProfileSession, open: () => Promise<ProfileSession>, use: (session: ProfileSession) => Promise<T>): Promise<T> {
  let session = first;
  for (let attempt = 1; ; attempt++) {
    try {
      return await use(session);
    } catch (error) {
      if (!(error instanceof SecretStoreError) || error.code !== Code.SECRET_MISSING.code || attempt >= 3) throw error;
      const again = await open();
      if (JSON.stringify(again.profile.secretAccounts) === JSON.stringify(session.profile.secretAccounts)) throw error;
      session = again;
    }
  }
}
