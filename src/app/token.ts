import { readFile } from 'node:fs/promises';
import { ProfileNotFoundError } from '../errors.js';
import { isUsable } from '../cache/token-cache.js';
import { mergeSettings, settingsFromEnvironment, type RequestSettings } from '../oauth/settings.js';
import type { TokenResult } from '../oauth/token-response.js';
import { resolveProfileName } from '../profiles/paths.js';
import { secretExpiryNotice } from '../profiles/secret-expiry.js';
import type { AppContext } from './context.js';
import { checkOneCredential, readGivenSecrets, secretLookup, type SecretSources } from './secret-sources.js';
import { fromCache, lockPath, openProfileSession, storedSecretReader, toCache, type ProfileSession } from './session.js';

export interface TokenFlowOptions {
  /** -p NAME; undefined when not given. */
  profile: string | undefined;
  settings: RequestSettings;
  secrets: SecretSources;
  minValiditySeconds: number;
  refresh: boolean;
  noCache: boolean;
}

export interface TokenFlowResult {
  token: TokenResult;
  /** Whether it came from the cache; undefined for a request without a profile (never cached). */
  cached?: boolean;
}

/**
 * A saved profile is used when one is named (-p, TOKENCTL_PROFILE), or when nothing on the command
 * line or in the environment says where the token comes from; otherwise the request is profile-less.
 */
export function usesProfile(options: Pick<TokenFlowOptions, 'profile' | 'settings'>, env: Record<string, string | undefined>): boolean {
  if (options.profile !== undefined || env.TOKENCTL_PROFILE) return true;
  const endpoint = mergeSettings(options.settings, settingsFromEnvironment(env));
  return !(endpoint.tenant || endpoint.tokenUrl || endpoint.issuer);
}

const readers = (context: AppContext) => ({ env: context.env, readSecret: context.readSecret, readFile: (path: string) => readFile(path) });

/** The token for these options: from a profile (and its cache), or from a request without a profile. */
export async function getToken(options: TokenFlowOptions, context: AppContext): Promise<TokenFlowResult> {
  if (usesProfile(options, context.env)) {
    const named = options.profile !== undefined || Boolean(context.env.TOKENCTL_PROFILE);
    const session = await openProfileSession(resolveProfileName(options.profile, context.env), options.settings, context).catch((error: unknown) => {
      if (named || !(error instanceof ProfileNotFoundError)) throw error;
      throw new ProfileNotFoundError(error.entry, `${error.message}, and no token endpoint was given`, {
        hint: 'Save one with tokenctl configure, name one with -p NAME, or request without a profile: tokenctl token --tenant … (Entra ID), --token-url … or --issuer ….',
      });
    });
    return profileToken(session, options, context);
  }
  const { prepareTokenRequest, sendTokenRequest } = await import('./token-request.js');
  const settings = mergeSettings(options.settings, settingsFromEnvironment(context.env));
  checkOneCredential(settings, options.secrets);
  const given = await readGivenSecrets(options.secrets, readers(context));
  const prepared = await prepareTokenRequest(settings, secretLookup(given), context);
  return { token: (await sendTokenRequest(prepared, context)).token };
}

/**
 * The profile's token: from the cache while it has enough time left, else fetched under a
 * per-profile lock so parallel callers make one request between them.
 */
async function profileToken(session: ProfileSession, options: TokenFlowOptions, context: AppContext): Promise<{ token: TokenResult; cached: boolean }> {
  const { profile, cache, cacheKey } = session;
  const expiry = secretExpiryNotice(profile, context.now());
  if (expiry) context.reporter.warn(expiry.message);
  const mapHit = (hit: TokenResult | undefined) => (hit ? { token: hit, cached: true } : undefined);
  const cachedToken = async () => {
    const hit = await cache.read(profile.name, cacheKey);
    return hit && isUsable(hit, context.now(), options.minValiditySeconds) ? fromCache(hit, context.now()) : undefined;
  };
  const fetchToken = async () => {
    const { prepareTokenRequest, sendTokenRequest } = await import('./token-request.js');
    checkOneCredential(session.settings, options.secrets);
    const given = await readGivenSecrets(options.secrets, readers(context));
    const prepared = await prepareTokenRequest(session.settings, secretLookup(given, storedSecretReader(profile, session.store)), context);
    return (await sendTokenRequest(prepared, context)).token;
  };

  if (options.noCache) return { token: await fetchToken(), cached: false };
  if (!options.refresh) {
    const hit = await cachedToken();
    if (hit) return { token: hit, cached: true };
  }
  const { withProfileLock } = await import('../cache/lock.js');
  const timeoutMs = (session.settings.timeoutSeconds ?? 30) * 1000;
  // A holder is presumed dead only well after it would have given up on its own request.
  const lock = {
    timeoutMs,
    staleMs: timeoutMs + 30_000,
    profile: profile.name,
    whileWaiting: async () => (options.refresh ? undefined : mapHit(await cachedToken())),
  };
  return withProfileLock(lockPath(context.layout, profile.name), lock, async () => {
    // Another process may have refreshed the token while this one waited for the lock.
    const hit = options.refresh ? undefined : await cachedToken();
    if (hit) return { token: hit, cached: true };
    const obtainedAt = context.now();
    const token = await fetchToken();
    const entry = toCache(token, obtainedAt);
    try {
      if (entry) await cache.write(profile.name, cacheKey, entry);
    } catch (error) {
      // The token is good; a cache that cannot be written only costs the next call a request.
      context.reporter.warn(`could not cache the token: ${(error as Error).message}`);
    }
    return { token, cached: false };
  });
}
