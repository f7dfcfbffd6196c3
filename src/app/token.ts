import { Code, NetworkError, ProfileNotFoundError } from '../errors.js';
import { matchesSecret } from '../cache/secret-check.js';
import { isUsable } from '../cache/token-cache.js';
import type { Reporter } from '../oauth/reporter.js';
import { isUserGrant, mergeSettings, settingsFromEnvironment, timeoutMs as requestTimeoutMs, type RequestSettings } from '../oauth/settings.js';
import type { TokenResult } from '../oauth/token-response.js';
import { resolveProfileName } from '../profiles/paths.js';
import { relativePathProblem } from '../profiles/relative-paths.js';
import { secretExpiryNotice } from '../profiles/secret-expiry.js';
import type { AppContext } from './context.js';
import { checkOneCredential, readGivenSecrets, secretLookup, secretReaders, sessionSecrets, type SecretSources } from './secret-sources.js';
import { checkProfilePaths, fromCache, lockBounds, lockPath, openProfileSession, profileRelativePaths, toCache, withConsistentSession, type ProfileSession } from './session.js';

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

/**
 * A secret this short occurs by chance in a token's base64 text (one of 4 characters in about one
 * token in ten); one of 8 or more (at most 1 in 10^11 for a 2 KB token) is there because the server put it there.
 */
const MIN_ECHOED_SECRET_LENGTH = 8;

/**
 * Every token passes here before a command prints it or hands it to another program. One that holds
 * a secret read on this run is refused whole: printing it with the secret cut out would hand a script
 * a broken token with exit 0, and printing it whole would leak the secret.
 */
function handOut(result: TokenFlowResult, reporter: Reporter): TokenFlowResult {
  const length = refuseEchoedSecret(result.token, reporter);
  if (length !== undefined) {
    reporter.warn(`a secret read on this run is only ${length} characters long and occurs by chance in the token (printed as is); a secret that short is guessable: use a longer one.`);
  }
  // The token is printed as issued: the scrubber must not cut a short secret out of it.
  reporter.handOut(result.token.accessToken);
  return result;
}

/** Refuses a token holding a secret read on this run (also before it is cached); returns the length of a short secret found by chance. */
function refuseEchoedSecret(token: TokenResult, reporter: Reporter): number | undefined {
  const length = reporter.secretIn(token.accessToken);
  if (length !== undefined && length >= MIN_ECHOED_SECRET_LENGTH) {
    throw new NetworkError(Code.TOKEN_CONTAINS_SECRET, "the identity provider's token contains a secret read on this run (the client secret); nothing was printed", {
      hint: 'The identity provider copies client credentials into the tokens it issues: treat the secret as exposed, rotate it, and report this to whoever runs the identity provider.',
    });
  }
  return length;
}

/** The token for these options: from a profile (and its cache), or from a request without a profile. */
export async function getToken(options: TokenFlowOptions, context: AppContext): Promise<TokenFlowResult> {
  return handOut(await findToken(options, context), context.reporter);
}

async function findToken(options: TokenFlowOptions, context: AppContext): Promise<TokenFlowResult> {
  if (usesProfile(options, context.env)) {
    const named = options.profile !== undefined || Boolean(context.env.TOKENCTL_PROFILE);
    const name = resolveProfileName(options.profile, context.env);
    const open = () => openProfileSession(name, options.settings, context);
    const session = await open().catch((error: unknown) => {
      if (named || !(error instanceof ProfileNotFoundError)) throw error;
      throw new ProfileNotFoundError(error.entry, `${error.message}, and no token endpoint was given`, {
        hint: 'Save one with tokenctl configure, name one with -p NAME, or request without a profile: tokenctl token --tenant … (Entra ID), --token-url … or --issuer ….',
      });
    });
    return profileToken(session, open, options, context);
  }
  const { prepareTokenRequest, sendTokenRequest } = await import('./token-request.js');
  const settings = mergeSettings(options.settings, settingsFromEnvironment(context.env));
  checkOneCredential(settings, options.secrets);
  const given = await readGivenSecrets(options.secrets, secretReaders(context, settings));
  const prepared = await prepareTokenRequest(settings, secretLookup(given), context);
  return { token: (await sendTokenRequest(prepared, context)).token };
}

/** A token just obtained, with the client secret that obtained it (for the cache's check), if any. */
interface Fetched {
  token: TokenResult;
  secret: string | undefined;
}

/**
 * The profile's token: from the cache while it has enough time left, else fetched under a
 * per-profile lock so parallel callers make one request between them. Inside the lock the profile is
 * read again, so the token is requested with a profile and secrets that belong together.
 */
async function profileToken(first: ProfileSession, open: () => Promise<ProfileSession>, options: TokenFlowOptions, context: AppContext): Promise<{ token: TokenResult; cached: boolean }> {
  const { profile } = first;
  const { reporter } = context;
  const expiry = secretExpiryNotice(profile, context.now());
  if (expiry) reporter.warn(expiry.message);
  // A user's profile renews its token with the refresh token its sign-in left, always under the lock
  // (even with --no-cache): a refresh token may rotate, and two refreshes with the same one would lose the sign-in.
  const userGrant = isUserGrant(profile.settings);
  // A user grant's refresh reads the secrets given on this run itself.
  const given = userGrant ? {} : await (async () => {
    checkOneCredential(first.settings, options.secrets);
    return readGivenSecrets(options.secrets, secretReaders(context, first.settings));
  })();
  for (const secret of Object.values(given)) reporter.conceal(secret.value, first.settings.clientId);

  // A secret given on this run overrides the stored one: a cached token is used only if it was
  // obtained with that very secret, so a wrong or new secret is never masked by the cache.
  const override = (session: ProfileSession) => (session.profile.credential === 'secret' ? given.clientSecret : undefined);
  let overrideNoted = false;
  const cachedToken = async (session: ProfileSession) => {
    const hit = await session.cache.read(profile.name, session.cacheKey);
    if (!hit || !isUsable(hit, context.now(), options.minValiditySeconds)) return undefined;
    const secret = override(session);
    if (secret && !matchesSecret(hit.secretCheck, secret.value)) {
      if (!overrideNoted) reporter.detail(`cached token not used: it was not obtained with the client secret from ${secret.source}`);
      overrideNoted = true;
      return undefined;
    }
    const relative = profileRelativePaths(session.profile, session.settings);
    if (relative.length > 0) {
      const { message, fix } = relativePathProblem(session.profile.name, relative, context.cwd);
      reporter.warn(`${message}: the next request for a token will fail. ${fix}`);
    }
    return fromCache(hit, context.now());
  };
  const fetchToken = (current: ProfileSession) =>
    withConsistentSession(
      current,
      open,
      async (session): Promise<Fetched> => {
        checkProfilePaths(session.profile, session.settings, context.cwd);
        if (userGrant) {
          const { refreshUserToken } = await import('./user-token.js');
          return { token: (await refreshUserToken(session, options.secrets, context)).token, secret: undefined };
        }
        const { prepareTokenRequest, sendTokenRequest } = await import('./token-request.js');
        const prepared = await prepareTokenRequest(session.settings, secretLookup(given, sessionSecrets(session, context)), context);
        const { credential } = prepared.request;
        const { token } = await sendTokenRequest(prepared, context);
        refuseEchoedSecret(token, reporter);
        return { token, secret: credential.kind === 'secret' ? credential.secret : undefined };
      },
    );

  if (options.noCache && !userGrant) return { token: (await fetchToken(first)).token, cached: false };
  if (!options.refresh && !options.noCache) {
    const hit = await cachedToken(first);
    if (hit) return { token: hit, cached: true };
  }
  const { withProfileLock } = await import('../cache/lock.js');
  // Inside the lock a stored secret command runs first, with the same bound as the request.
  const storesCommand = Object.keys(profile.secretCommands ?? {}).length > 0;
  const lock = {
    // This run's own bound as a holder (its request timeout, twice with a secret command), whatever a waiter's is.
    ...lockBounds(requestTimeoutMs(first.settings) * (storesCommand ? 2 : 1), context.env),
    profile: profile.name,
    whileWaiting: async () => {
      if (options.refresh || options.noCache) return undefined;
      const hit = await cachedToken(first);
      return hit && { token: hit, cached: true };
    },
  };
  return withProfileLock(lockPath(context.layout, profile.name), lock, async () => {
    // The profile as it is now: a configure may have changed it (and its secrets) meanwhile.
    const session = await open();
    // Another process may have refreshed the token while this one waited for the lock.
    const hit = options.refresh || options.noCache ? undefined : await cachedToken(session);
    if (hit) return { token: hit, cached: true };
    const obtainedAt = context.now();
    const { token, secret } = await fetchToken(session);
    // A user's refresh saved its tokens itself, the rotated refresh token first.
    if (userGrant) return { token, cached: false };
    const entry = toCache(token, obtainedAt, secret);
    try {
      if (entry) await session.cache.write(profile.name, session.cacheKey, entry);
    } catch (error) {
      // The token is good; a cache that cannot be written only costs the next call a request.
      reporter.warn(`could not cache the token: ${(error as Error).message}`);
    }
    return { token, cached: false };
  });
}
