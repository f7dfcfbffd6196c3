import { join } from 'node:path';
import { Code, SecretStoreError } from '../errors.js';
import { tokenCacheKey } from '../cache/cache-key.js';
import { createTokenCache, type CachedToken, type TokenCache } from '../cache/token-cache.js';
import type { SecretKind } from '../oauth/credential.js';
import { mergeSettings, type RequestSettings } from '../oauth/settings.js';
import type { TokenResult } from '../oauth/token-response.js';
import type { ConfigLayout } from '../profiles/paths.js';
import type { Profile } from '../profiles/profile.js';
import { createProfileRepository, type ProfileRepository } from '../profiles/repository.js';
import type { SecretStore } from '../secrets/store.js';
import type { AppContext } from './context.js';

export const cacheKeyAccount = (profile: string): string => `${profile}:cache-key`;

/** The cache key of a profile's token: it changes whenever anything that shapes the token does. */
export function profileCacheKey(settings: RequestSettings, credential: Profile['credential']): string {
  return tokenCacheKey({ ...settings, credentialKind: credential });
}

export const openRepository = (layout: ConfigLayout): ProfileRepository => createProfileRepository(layout.root);

export function openTokenCache(layout: ConfigLayout, store: SecretStore): TokenCache {
  return createTokenCache({ dir: layout.cacheDir, keyStore: store, keyAccount: cacheKeyAccount });
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

export function toCache(token: TokenResult, obtainedAt: Date): CachedToken | undefined {
  // A token without a known expiry cannot be judged later, so it is not cached.
  if (!token.expiresAt) return undefined;
  return {
    accessToken: token.accessToken,
    tokenType: token.tokenType,
    expiresAt: token.expiresAt.toISOString(),
    ...(token.scope !== undefined ? { scope: token.scope } : {}),
    obtainedAt: obtainedAt.toISOString(),
  };
}

export const lockPath = (layout: ConfigLayout, profile: string): string => join(layout.locksDir, `${profile}.lock`);

/**
 * Runs a change to a profile's files under its lock, so that a `configure`, a `validate` and a token
 * refresh of the same profile in other processes never interleave their writes.
 */
export async function withProfileWriteLock<T>(layout: ConfigLayout, profile: string, fn: () => Promise<T>): Promise<T> {
  const { withProfileLock } = await import('../cache/lock.js');
  return withProfileLock(lockPath(layout, profile), { timeoutMs: 30_000, staleMs: 60_000, profile }, fn);
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
export async function openProfileSession(name: string, flagSettings: RequestSettings, context: Pick<AppContext, 'layout' | 'openStore'>): Promise<ProfileSession> {
  const repo = openRepository(context.layout);
  const profile = await repo.read(name);
  const settings = mergeSettings(flagSettings, profile.settings);
  const store = await context.openStore(profile.store);
  return { repo, profile, settings, store, cache: openTokenCache(context.layout, store), cacheKey: profileCacheKey(settings, profile.credential) };
}
