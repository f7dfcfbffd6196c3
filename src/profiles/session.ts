import { homedir } from 'node:os';
import { join } from 'node:path';
import { Code, SecretStoreError } from '../errors.js';
import { tokenCacheKey } from '../cache/cache-key.js';
import { createRuntimeKeyStore, processRuntimeKeyDir } from '../cache/runtime-keys.js';
import { createTokenCache, isUsable, type CachedToken, type TokenCache } from '../cache/token-cache.js';
import type { StoreKind } from '../choices.js';
import type { CredentialDeps, SecretSources } from '../oauth/credential.js';
import { mergeSettings, timeoutMs as requestTimeoutMs, type RequestSettings } from '../oauth/settings.js';
import type { TokenResult } from '../oauth/token-response.js';
import { warn, type Io } from '../output/io.js';
import { openSecretStore } from '../secrets/open-store.js';
import type { SecretStore } from '../secrets/store.js';
import { configLayout, configRoot, type ConfigLayout } from './paths.js';
import type { Profile } from './profile.js';
import { secretExpiryNotice } from './secret-expiry.js';
import { createProfileRepository, type ProfileRepository } from './repository.js';

export const cacheKeyAccount = (profile: string): string => `${profile}:cache-key`;

/** The cache key of a profile's token: it changes whenever anything that shapes the token does. */
export function profileCacheKey(settings: RequestSettings, credential: Profile['credential']): string {
  return tokenCacheKey({ ...settings, credentialKind: credential === 'federated' ? 'assertion-file' : credential });
}

export function openRepository(io: Io): { layout: ConfigLayout; repo: ProfileRepository } {
  const layout = configLayout(configRoot(io.env, process.platform, homedir()));
  return { layout, repo: createProfileRepository(layout.root) };
}

/**
 * A profile's token cache. Its key lives with the profile's secrets in the keychain; a file-store
 * profile's lives in the runtime key directory instead (src/cache/runtime-keys.ts), so a cache hit
 * needs neither the passphrase nor scrypt. Without `kind` (only headers read), `store` holds it.
 */
export function openTokenCache(layout: ConfigLayout, store: SecretStore, kind?: StoreKind, env: Record<string, string | undefined> = process.env): TokenCache {
  const keyStore = kind === 'file' ? createRuntimeKeyStore(processRuntimeKeyDir(env), layout.root) : store;
  return createTokenCache({ dir: layout.cacheDir, keyStore, keyAccount: cacheKeyAccount });
}

/** Reads a profile's saved secrets on demand; an entry that has vanished is an exit-4 error with the fix. */
export function storedSecretReader(profile: Profile, store: SecretStore): NonNullable<CredentialDeps['storedSecret']> {
  return async (kind) => {
    const account = profile.secretAccounts[kind];
    if (!account) return undefined;
    const value = await store.get(account);
    if (value === null) {
      const what = { clientSecret: 'client secret', certificatePassword: 'certificate password', certificateKeyPassword: 'certificate key password' }[kind];
      const flag = { clientSecret: '--client-secret-stdin', certificatePassword: '--certificate-password-stdin', certificateKeyPassword: '(with TOKENCTL_CERTIFICATE_KEY_PASSWORD set)' }[kind];
      throw new SecretStoreError(Code.SECRET_MISSING, `the ${what} of profile ${profile.name} is missing from the ${store.backend}`, {
        hint: `Store it again: tokenctl configure -p ${profile.name} ${flag}`,
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

/**
 * Runs a change to a profile's files under its lock, so that a `configure`, a `validate` and a token
 * refresh of the same profile in other processes never interleave their writes.
 */
export async function withProfileWriteLock<T>(layout: ConfigLayout, profile: string, fn: () => Promise<T>): Promise<T> {
  const { withProfileLock } = await import('../cache/lock.js');
  return withProfileLock(join(layout.locksDir, `${profile}.lock`), { timeoutMs: 30_000, staleMs: 60_000, profile }, fn);
}

export interface ProfileSession {
  layout: ConfigLayout;
  repo: ProfileRepository;
  profile: Profile;
  /** The profile's settings with any given on the command line on top. */
  settings: RequestSettings;
  store: SecretStore;
  cache: TokenCache;
  cacheKey: string;
}

/** Everything needed to get a token for a saved profile; opening the keychain costs nothing until used. */
export async function openProfileSession(name: string, flagSettings: RequestSettings, io: Io): Promise<ProfileSession> {
  const { layout, repo } = openRepository(io);
  const profile = await repo.read(name);
  const settings = mergeSettings(flagSettings, profile.settings);
  const store = await openSecretStore(profile.store, layout.secretsDir, io);
  return { layout, repo, profile, settings, store, cache: openTokenCache(layout, store, profile.store, io.env), cacheKey: profileCacheKey(settings, profile.credential) };
}

export interface ProfileTokenOptions {
  minValiditySeconds: number;
  refresh: boolean;
  noCache: boolean;
  secrets: SecretSources;
  verbose: boolean;
  json: boolean;
}

/**
 * The profile's token: from the cache while it has enough time left, else fetched under a
 * per-profile lock so parallel callers make one request between them.
 */
export async function profileToken(session: ProfileSession, options: ProfileTokenOptions, io: Io): Promise<{ token: TokenResult; cached: boolean }> {
  const { profile, cache, cacheKey } = session;
  const expiry = secretExpiryNotice(profile, io.now());
  if (expiry) warn(io, expiry.message);
  const mapHit = (hit: TokenResult | undefined) => (hit ? { token: hit, cached: true } : undefined);
  const cachedToken = async () => {
    const hit = await cache.read(profile.name, cacheKey);
    return hit && isUsable(hit, io.now(), options.minValiditySeconds) ? fromCache(hit, io.now()) : undefined;
  };
  const fetchToken = async () => {
    const { prepareTokenRequest, sendTokenRequest } = await import('../oauth/live-request.js');
    const prepared = await prepareTokenRequest(session.settings, options.secrets, io, options.verbose, storedSecretReader(profile, session.store));
    return (await sendTokenRequest(prepared, io, options)).token;
  };

  if (options.noCache) return { token: await fetchToken(), cached: false };
  if (!options.refresh) {
    const hit = await cachedToken();
    if (hit) return { token: hit, cached: true };
  }
  const { withProfileLock } = await import('../cache/lock.js');
  const timeoutMs = requestTimeoutMs(session.settings);
  // A holder is presumed dead only well after it would have given up on its own request.
  const lock = {
    timeoutMs,
    staleMs: timeoutMs + 30_000,
    profile: profile.name,
    whileWaiting: async () => (options.refresh ? undefined : mapHit(await cachedToken())),
  };
  return withProfileLock(join(session.layout.locksDir, `${profile.name}.lock`), lock, async () => {
    // Another process may have refreshed the token while this one waited for the lock.
    const hit = options.refresh ? undefined : await cachedToken();
    if (hit) return { token: hit, cached: true };
    const obtainedAt = io.now();
    const token = await fetchToken();
    const entry = toCache(token, obtainedAt);
    try {
      if (entry) await cache.write(profile.name, cacheKey, entry);
    } catch (error) {
      // The token is good; a cache that cannot be written only costs the next call a request.
      warn(io, `could not cache the token: ${(error as Error).message}`);
    }
    return { token, cached: false };
  });
}
