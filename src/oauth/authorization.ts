import { createHash } from 'node:crypto';
import { Code, CheckFailedError, IdpRejectedError, UsageError } from '../errors.js';
import { diagnoseRefusal, type RequestContext } from './diagnose.js';
import { redactText, untrustedLine } from './redact.js';

/** The random values of one sign-in attempt: never reused, never stored. */
export interface AuthorizationSecrets {
  state: string;
  /** Sent only with the openid scope: an OpenID provider refuses a nonce without it, and only an ID token carries it back. */
  nonce: string | undefined;
  codeVerifier: string;
}

export interface AuthorizationInput {
  authorizationEndpoint: URL;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  prompt?: string | undefined;
  loginHint?: string | undefined;
  /** Extra parameters (--param): resource, domain_hint, acr_values, … */
  params?: Array<[string, string]> | undefined;
}

export interface AuthorizationRequest extends AuthorizationSecrets {
  url: URL;
  redirectUri: string;
}

/** Parameters tokenctl owns: setting them by --param would break PKCE, state or nonce checks. */
const RESERVED = new Set(['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'login_hint', 'response_mode']);

/** 32 random bytes, base64url: the 43-character code verifier RFC 7636 §4.1 recommends. */
export function randomValue(randomBytes: (size: number) => Buffer): string {
  return randomBytes(32).toString('base64url');
}

/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)). tokenctl never uses the plain method. */
export function codeChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** The URL the user's browser opens: response_type code, PKCE S256 and state always; a nonce with openid. */
export function buildAuthorizationRequest(input: AuthorizationInput, randomBytes: (size: number) => Buffer): AuthorizationRequest {
  const openid = input.scopes.includes('openid');
  const secrets: AuthorizationSecrets = { state: randomValue(randomBytes), nonce: openid ? randomValue(randomBytes) : undefined, codeVerifier: randomValue(randomBytes) };
  const url = new URL(input.authorizationEndpoint.href);
  const query = url.searchParams;
  query.set('response_type', 'code');
  query.set('client_id', input.clientId);
  query.set('redirect_uri', input.redirectUri);
  if (input.scopes.length > 0) query.set('scope', input.scopes.join(' '));
  query.set('state', secrets.state);
  if (secrets.nonce !== undefined) query.set('nonce', secrets.nonce);
  query.set('code_challenge', codeChallenge(secrets.codeVerifier));
  query.set('code_challenge_method', 'S256');
  if (input.prompt) query.set('prompt', input.prompt);
  if (input.loginHint) query.set('login_hint', input.loginHint);
  for (const [name, value] of input.params ?? []) {
    if (RESERVED.has(name)) {
      throw new UsageError(Code.PARAM_RESERVED, `--param cannot set ${name}: tokenctl sets it`, {
        hint: name === 'prompt' || name === 'login_hint' ? `Use --${name.replace('_', '-')}.` : 'tokenctl sets it for every sign-in.',
      });
    }
    query.append(name, value);
  }
  return { ...secrets, url, redirectUri: input.redirectUri };
}

export interface CallbackExpectations {
  state: string;
  /** The issuer, when known: an `iss` in the callback (RFC 9207) must be this one. */
  issuer?: string | undefined;
  context: RequestContext;
}

/**
 * The authorization response on the loopback redirect (RFC 6749 §4.1.2), checked: state first (a
 * callback of another attempt, or forged, is refused before anything else is believed), then iss, then
 * the error or the code.
 */
export function processAuthorizationCallback(callback: URL, expected: CallbackExpectations): { code: string } {
  const query = callback.searchParams;
  const single = (name: string): string | undefined => {
    const values = query.getAll(name);
    if (values.length > 1) throw new CheckFailedError(Code.CALLBACK_INVALID, `the sign-in callback repeats the ${name} parameter`, { hint: 'Start the sign-in again.' });
    return values[0];
  };
  const state = single('state');
  if (state !== expected.state) {
    throw new CheckFailedError(Code.STATE_MISMATCH, state === undefined ? 'the sign-in callback has no state' : 'the sign-in callback carries a state this login did not send', {
      hint: 'The callback belongs to another sign-in attempt, or was forged. Start the sign-in again, and finish it in the browser window that tokenctl opened.',
    });
  }
  const iss = single('iss');
  if (iss !== undefined && expected.issuer !== undefined && iss !== expected.issuer) {
    throw new CheckFailedError(Code.CALLBACK_ISSUER_MISMATCH, `the sign-in callback comes from issuer ${JSON.stringify(iss)}, not ${expected.issuer} (RFC 9207)`, {
      hint: 'Another authorization server answered this sign-in (a mix-up attack, or a misconfigured proxy): do not trust it.',
    });
  }
  const error = single('error');
  if (error !== undefined) {
    const rawDescription = single('error_description');
    const description = rawDescription === undefined ? undefined : redactText(rawDescription.split(/\r?\n/)[0] ?? '');
    const aadsts = [...new Set([...(rawDescription ?? '').matchAll(/AADSTS(\d+)/g)].map((match) => Number(match[1])))];
    const diagnosis = diagnoseRefusal({ status: 302, error, description: rawDescription, aadsts }, { grant: 'authorization_code', ...expected.context });
    const cancelled = error === 'access_denied';
    const message = `${cancelled ? 'the sign-in was cancelled or denied' : 'the sign-in failed'} (${untrustedLine(error)})${description ? `: ${untrustedLine(description)}` : ''}`;
    throw new IdpRejectedError(diagnosis.code, message, {
      ...(diagnosis.hint ? { hint: diagnosis.hint } : {}),
      details: { oauthError: redactText(error), ...(description ? { errorDescription: description } : {}), ...(aadsts.length ? { aadstsCodes: aadsts } : {}) },
    });
  }
  const code = single('code');
  if (!code) {
    throw new CheckFailedError(Code.CALLBACK_INVALID, 'the sign-in callback has neither a code nor an error', {
      hint: 'The server redirected to tokenctl without a result; check that the client is registered for the authorization code flow.',
    });
  }
  return { code };
}

/** The form of the code exchange (RFC 6749 §4.1.3 with RFC 7636's verifier); client authentication is added when sent. */
export function authorizationCodeForm(code: string, redirectUri: string, codeVerifier: string): Array<[string, string]> {
  return [
    ['grant_type', 'authorization_code'],
    ['code', code],
    ['redirect_uri', redirectUri],
    ['code_verifier', codeVerifier],
  ];
}

/** The form of a refresh (RFC 6749 §6); a scope only to narrow it (Entra wants one to pick the API). */
export function refreshTokenForm(refreshToken: string, scopes: string[] = []): Array<[string, string]> {
  return [['grant_type', 'refresh_token'], ['refresh_token', refreshToken], ...(scopes.length ? [['scope', scopes.join(' ')] as [string, string]] : [])];
}
