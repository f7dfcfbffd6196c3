import { isUserGrant } from '../oauth/settings.js';
import { refreshTokenAccount } from '../profiles/accounts.js';
import type { Profile } from '../profiles/profile.js';
import { signInState, type SignInState } from '../profiles/refresh-token.js';
import { resolveProfileName } from '../profiles/paths.js';
import { secretExpiryNotice } from '../profiles/secret-expiry.js';
import { EMPTY_SECRET_STORE } from '../secrets/store.js';
import type { AppContext } from './context.js';
import { openProfileSession, openRepository, openTokenCache } from './session.js';

/** The auth method a profile uses, or the one the request engine will choose for it. */
export function effectiveAuthMethod(profile: Profile): string {
  if (profile.settings.authMethod) return profile.settings.authMethod;
  if (profile.credential !== 'secret') return 'private_key_jwt';
  return profile.provider === 'entra' ? 'client_secret_post' : profile.settings.issuer ? 'client_secret_basic (unless discovery says post)' : 'client_secret_basic';
}

export type ProfileRow =
  | { name: string; problem: string }
  | {
      name: string;
      provider: Profile['provider'];
      clientId: string | null;
      authMethod: string;
      credential: Profile['credential'];
      store: Profile['store'];
      lastValidatedAt: string | null;
      cachedTokenExpiresAt: string | null;
      secretExpiresAt: string | null;
    };

/** One row per profile file; `list` never touches the keychain: the cache's expiry is readable without it. */
export async function listProfiles(context: AppContext): Promise<ProfileRow[]> {
  const cache = openTokenCache(context.layout, EMPTY_SECRET_STORE);
  return Promise.all(
    (await openRepository(context.layout).list()).map(async ({ name, profile, problem }): Promise<ProfileRow> => {
      if (!profile) return { name, problem: problem?.message ?? 'unreadable' };
      const expiry = secretExpiryNotice(profile, context.now());
      if (expiry) context.reporter.warn(expiry.message);
      const cached = await cache.peek(name);
      return {
        name,
        provider: profile.provider,
        clientId: profile.settings.clientId ?? null,
        authMethod: effectiveAuthMethod(profile),
        credential: profile.credential,
        store: profile.store,
        lastValidatedAt: profile.lastValidatedAt ?? null,
        cachedTokenExpiresAt: cached?.expiresAt ?? null,
        secretExpiresAt: profile.secretExpiresAt ?? null,
      };
    }),
  );
}

export interface ProfileDescription {
  profile: Profile;
  authMethod: string;
  /** Per secret kind: "stored in …", "missing" or "from the command: …", never a value. */
  secrets: Record<string, string>;
  cachedToken: { expiresAt: string; matchesSettings: boolean } | null;
  /** A sign-in profile's sign-in (from its refresh token); null for a client-credentials profile. */
  signIn: SignInState | null;
}

/** One profile in full, with whether each secret is in its store and whether the cached token fits. */
export async function describeProfile(name: string | undefined, context: AppContext): Promise<ProfileDescription> {
  const session = await openProfileSession(resolveProfileName(name, context.env), {}, context);
  const { profile, store } = session;
  const where = profile.store === 'keychain' ? 'stored in keychain' : 'stored in encrypted file';
  const secrets: Record<string, string> = {};
  // A command is shown as it is saved, never run: show fetches no secret.
  for (const [kind, command] of Object.entries(profile.secretCommands ?? {})) secrets[kind] = `from the command: ${command}`;
  for (const [kind, account] of Object.entries(profile.secretAccounts)) {
    if (account) secrets[kind] = (await store.get(account)) === null ? 'missing' : where;
  }
  const cached = await session.cache.peek(profile.name);
  const signIn = isUserGrant(profile.settings) ? signInState(await store.get(refreshTokenAccount(profile.name)), profile.settings) : null;
  return { profile, authMethod: effectiveAuthMethod(profile), secrets, cachedToken: cached ? { expiresAt: cached.expiresAt, matchesSettings: cached.key === session.cacheKey } : null, signIn };
}
