import { Code, IdpRejectedError, LoginRequiredError } from '../errors.js';
import { refreshTokenForm } from '../oauth/authorization.js';
import type { TokenResult } from '../oauth/token-response.js';
import type { AppContext } from './context.js';
import { refreshTokenAccount, saveTokens, signInSetup, type SignInSetup } from './login.js';
import type { SecretSources } from './secret-sources.js';
import type { ProfileSession } from './session.js';
import { signInScopes } from './signin-endpoints.js';
import { sendTokenRequest } from './token-request.js';

/** Entra's codes for a refresh token that only a new sign-in replaces (expired, revoked, MFA now required). */
const SIGN_IN_AGAIN_AADSTS = new Set([70008, 700082, 50173, 50076, 50078, 50079, 54005, 700084, 70043]);

export function loginRequired(profile: string, reason: string, cause?: unknown): LoginRequiredError {
  return new LoginRequiredError(Code.LOGIN_REQUIRED, `profile ${profile} needs a sign-in: ${reason}`, {
    hint: `Run tokenctl login -p ${profile}`,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Whether a refused refresh means the user must sign in again, rather than a fault to fix elsewhere. */
export function needsSignInAgain(error: IdpRejectedError): boolean {
  return error.details.oauthError === 'invalid_grant' || (error.details.aadstsCodes ?? []).some((code) => SIGN_IN_AGAIN_AADSTS.has(code));
}

/**
 * A new access token from the profile's refresh token. Runs under the profile's lock (the caller's),
 * so the refresh token read here is the newest, and a rotated one is saved before anything else: the
 * old one may already be dead at the server.
 */
export async function refreshUserToken(session: ProfileSession, sources: SecretSources, context: AppContext): Promise<TokenResult> {
  const name = session.profile.name;
  const setup: SignInSetup = await signInSetup(session, sources, context);
  const refreshToken = await session.store.get(refreshTokenAccount(name));
  if (refreshToken === null) throw loginRequired(name, 'nobody has signed in with it yet, or the sign-in was ended (logout)');
  // Entra picks the API of a refreshed token from the scope; other servers keep the granted scope.
  const scopes = setup.endpoints.endpoint.provider === 'entra' ? signInScopes(session.settings, setup.endpoints) : [];
  const request = setup.request({ kind: 'refresh_token', form: refreshTokenForm(refreshToken, scopes) });
  const obtainedAt = context.now();
  let token: TokenResult;
  try {
    token = (await sendTokenRequest({ request, transport: setup.transport }, context)).token;
  } catch (error) {
    if (error instanceof IdpRejectedError && needsSignInAgain(error)) throw loginRequired(name, `the server refused its refresh token (${error.message})`, error);
    throw error;
  }
  const previous = await session.cache.read(name, session.cacheKey);
  await saveTokens(session, token, obtainedAt, context, { keepIdToken: previous?.idToken });
  return token;
}
