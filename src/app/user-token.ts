import { Code, IdpRejectedError, LoginRequiredError } from '../errors.js';
import { refreshTokenForm } from '../oauth/authorization.js';
import type { TokenOutcome } from '../oauth/engine.js';
import { bindingMismatch } from '../profiles/refresh-token.js';
import type { AppContext } from './context.js';
import { saveTokens, signInSetup, storedSignIn, tokenBinding, type SignInSetup } from './login.js';
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
 * old one may already be dead at the server. The refresh token goes only to the token endpoint and
 * client it was issued for.
 */
export async function refreshUserToken(session: ProfileSession, sources: SecretSources, context: AppContext): Promise<TokenOutcome> {
  const name = session.profile.name;
  const setup: SignInSetup = await signInSetup(session, sources, context);
  const { stored, record } = await storedSignIn(session);
  if (!stored) throw loginRequired(name, 'nobody has signed in with it yet, or the sign-in was ended (logout)');
  if (!record) throw loginRequired(name, 'its stored refresh token does not say which server and client it was issued for (an earlier tokenctl stored it), so it is not sent');
  const mismatch = bindingMismatch(record.issuedFor, tokenBinding(setup));
  if (mismatch) throw loginRequired(name, `${mismatch}; tokenctl sends a refresh token only where it was issued`);
  // Entra picks the API of a refreshed token from the scope; other servers keep the granted scope.
  const scopes = setup.endpoints.endpoint.provider === 'entra' ? signInScopes(session.settings, setup.endpoints) : [];
  const request = setup.request({ kind: 'refresh_token', form: refreshTokenForm(record.refreshToken, scopes) });
  const obtainedAt = context.now();
  let outcome: TokenOutcome;
  try {
    outcome = await sendTokenRequest({ request, transport: setup.transport }, context);
  } catch (error) {
    if (error instanceof IdpRejectedError && needsSignInAgain(error)) throw loginRequired(name, `the server refused its refresh token (${error.message})`, error);
    throw error;
  }
  const previous = await session.cache.read(name, session.cacheKey);
  await saveTokens(session, outcome.token, obtainedAt, context, { issuedFor: record.issuedFor, signedInAt: record.signedInAt, user: record.user }, { keepIdToken: previous?.idToken });
  return outcome;
}
