import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { CheckFailedError, Code } from '../errors.js';

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  /** The nonce sent with this sign-in; undefined after a refresh, where the nonce need not come back. */
  nonce: string | undefined;
  now: Date;
  /** Clock tolerance for exp, iat and nbf. */
  leewaySeconds: number;
}

/** Who signed in, in the words a user or a support engineer looks for. */
export interface SignedInUser {
  subject: string;
  name?: string;
  /** preferred_username, email or upn: what the user typed to sign in. */
  username?: string;
  email?: string;
  issuer: string;
  /** Entra: the tenant and the user's object ID. */
  tenantId?: string;
  objectId?: string;
  /** ISO 8601. */
  authTime?: string;
  /** ISO 8601. */
  expiresAt: string;
  authMethods?: string[];
}

/** Each check that can fail, and its catalogue code. */
const ID_TOKEN_CODES = {
  ID_TOKEN_SIGNATURE: Code.ID_TOKEN_SIGNATURE,
  ID_TOKEN_KEY: Code.ID_TOKEN_SIGNATURE,
  ID_TOKEN_ALGORITHM: Code.ID_TOKEN_SIGNATURE,
  ID_TOKEN_ISSUER: Code.ID_TOKEN_ISSUER,
  ID_TOKEN_AUDIENCE: Code.ID_TOKEN_AUDIENCE,
  ID_TOKEN_AZP: Code.ID_TOKEN_AUDIENCE,
  ID_TOKEN_NONCE: Code.ID_TOKEN_NONCE,
  ID_TOKEN_EXPIRED: Code.ID_TOKEN_EXPIRED,
  ID_TOKEN_NOT_YET_VALID: Code.ID_TOKEN_INVALID,
  ID_TOKEN_CLAIM: Code.ID_TOKEN_INVALID,
  ID_TOKEN_INVALID: Code.ID_TOKEN_INVALID,
} as const;

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function failure(code: keyof typeof ID_TOKEN_CODES, message: string, hint: string, cause?: unknown): CheckFailedError {
  return new CheckFailedError(ID_TOKEN_CODES[code], `the ID token ${message}`, { hint, ...(cause === undefined ? {} : { cause }) });
}

/**
 * OpenID Connect Core §3.1.3.7: signature by a key of the issuer's JWKS (never alg none, never HMAC
 * with a public client), iss, aud (and azp when there are several audiences), exp and nonce.
 * Returns the claims once every check passed.
 */
export async function verifyIdToken(idToken: string, jwks: JSONWebKeySet, expected: IdTokenExpectations): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: ALGORITHMS,
      currentDate: expected.now,
      clockTolerance: expected.leewaySeconds,
      requiredClaims: ['sub', 'iat', 'exp'],
    }));
  } catch (error) {
    throw explain(error, expected);
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== expected.clientId) {
    throw failure('ID_TOKEN_AZP', `has several audiences and its azp is ${JSON.stringify(payload.azp)}, not this client`, 'The token was issued to another client: do not use it.');
  }
  if (expected.nonce !== undefined && payload.nonce !== expected.nonce) {
    throw failure(
      'ID_TOKEN_NONCE',
      payload.nonce === undefined ? 'has no nonce, but this sign-in sent one' : 'carries a nonce this sign-in did not send',
      'The token belongs to another sign-in (a replay): sign in again.',
    );
  }
  return payload;
}

function explain(error: unknown, expected: IdTokenExpectations): CheckFailedError {
  if (error instanceof errors.JWTExpired) return failure('ID_TOKEN_EXPIRED', 'has expired', "Check this machine's clock, then sign in again.", error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === 'iss') return failure('ID_TOKEN_ISSUER', `was issued by ${JSON.stringify(error.payload.iss)}, not ${expected.issuer}`, 'The profile\'s issuer does not match the server that signed the user in: check --issuer / --tenant.', error);
    if (claim === 'aud') return failure('ID_TOKEN_AUDIENCE', `is for ${JSON.stringify(error.payload.aud)}, not client ${expected.clientId}`, 'The token was issued to another client: check --client-id.', error);
    if (claim === 'iat' || claim === 'nbf') return failure('ID_TOKEN_NOT_YET_VALID', `is not valid yet (${claim} is in the future)`, "Check this machine's clock.", error);
    return failure('ID_TOKEN_CLAIM', `failed the ${claim} check: ${error.reason}`, 'The server issued an ID token OpenID Connect does not allow.', error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return failure('ID_TOKEN_SIGNATURE', 'has a signature that does not verify', 'The token was altered, or signed by a key the issuer does not publish: do not trust it.', error);
  if (error instanceof errors.JWKSNoMatchingKey) return failure('ID_TOKEN_KEY', "is signed by a key that is not in the issuer's JWKS", 'The issuer may be rotating its keys: sign in again in a minute.', error);
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return failure('ID_TOKEN_ALGORITHM', 'uses an algorithm tokenctl does not accept for ID tokens (only public-key signatures are)', 'Configure the client to receive RS256 or ES256 signed ID tokens.', error);
  }
  return failure('ID_TOKEN_INVALID', `cannot be verified: ${(error as Error).message}`, 'The server sent something that is not a signed JWT as the id_token.', error);
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const isoOf = (seconds: unknown) => (typeof seconds === 'number' && Number.isFinite(seconds) && Math.abs(seconds) < 8.64e12 ? new Date(seconds * 1000).toISOString() : undefined);

/** The user behind verified ID token claims. */
export function signedInUser(claims: JWTPayload): SignedInUser {
  const user: SignedInUser = { subject: String(claims.sub), issuer: String(claims.iss), expiresAt: isoOf(claims.exp) ?? '' };
  const set = <K extends keyof SignedInUser>(key: K, value: SignedInUser[K] | undefined) => {
    if (value !== undefined) user[key] = value;
  };
  set('name', text(claims.name));
  set('username', text(claims.preferred_username) ?? text(claims.email) ?? text(claims.upn) ?? text(claims.unique_name));
  set('email', text(claims.email));
  set('tenantId', text(claims.tid));
  set('objectId', text(claims.oid));
  set('authTime', isoOf(claims.auth_time));
  if (Array.isArray(claims.amr) && claims.amr.every((m) => typeof m === 'string')) set('authMethods', claims.amr as string[]);
  return user;
}
