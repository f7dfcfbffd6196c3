import { headerNotes, issuerClaimNotes, tokenObservations, type ClaimNote, type TokenNote } from './claims.js';
import type { DecodedJwt, JsonObject } from './parse.js';
import { audienceFormatNote, grantedRoles, grantedScopes } from './permissions.js';
import { TIME_CLAIMS, isoDate, relativeTime, tokenValidity, type Validity } from './time.js';

export interface TimeClaim {
  name: string;
  value: number;
  iso: string;
  relative: string;
}

export interface Explanation {
  header: JsonObject;
  payload: JsonObject;
  signature: { algorithm: string | undefined; keyId: string | undefined; present: boolean };
  times: TimeClaim[];
  validity: Validity;
  headerNotes: ClaimNote[];
  claimNotes: ClaimNote[];
  observations: TokenNote[];
}

/** Everything `decode` shows, as data: the view and `--json` are both drawn from it. */
export function explainToken(token: DecodedJwt, now: Date, leewaySeconds = 0): Explanation {
  const { header, payload } = token;
  const times: TimeClaim[] = [];
  for (const name of TIME_CLAIMS) {
    const value = payload[name];
    const iso = typeof value === 'number' ? isoDate(value) : undefined;
    if (typeof value === 'number' && iso) times.push({ name, value, iso, relative: relativeTime(value, now) });
  }
  return {
    header,
    payload,
    signature: {
      algorithm: typeof header.alg === 'string' ? header.alg : undefined,
      keyId: typeof header.kid === 'string' ? header.kid : undefined,
      present: token.signature !== '',
    },
    times,
    validity: tokenValidity(payload, now, leewaySeconds),
    headerNotes: headerNotes(header),
    claimNotes: issuerClaimNotes(payload),
    observations: tokenObservations(header, payload, token.signature),
  };
}

export interface Expectations {
  audience?: string | undefined;
  issuer?: string | undefined;
  roles?: string[] | undefined;
  scopes?: string[] | undefined;
}

/**
 * A claim by name, or by a dotted path into objects and lists (realm_access.roles, roles.0). A claim
 * whose own name has dots (Auth0's https://example.com/roles) wins over the path.
 */
export function claimAt(payload: JsonObject, path: string): { value: unknown } | undefined {
  if (Object.hasOwn(payload, path)) return { value: payload[path] };
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(part) && Number(part) < value.length) value = value[Number(part)];
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, part)) value = (value as JsonObject)[part];
    else return undefined;
  }
  return { value };
}

/** Each unmet expectation, as a sentence; empty when all hold. */
export function unmetExpectations(payload: JsonObject, expected: Expectations): string[] {
  const problems: string[] = [];
  if (expected.audience !== undefined) {
    const aud = payload.aud;
    const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
    if (!audiences.includes(expected.audience)) {
      problems.push(
        aud === undefined
          ? `the token has no aud claim; expected ${JSON.stringify(expected.audience)}`
          : (audienceFormatNote(expected.audience, payload) ?? `aud is ${JSON.stringify(aud)}, expected ${JSON.stringify(expected.audience)}`),
      );
    }
  }
  const roles = grantedRoles(payload);
  const missingRoles = (expected.roles ?? []).filter((role) => !roles.includes(role));
  if (missingRoles.length) problems.push(`roles lack ${missingRoles.join(', ')} (the token has ${roles.length ? roles.join(', ') : 'none'})`);
  const scopes = grantedScopes(payload);
  const missingScopes = (expected.scopes ?? []).filter((scope) => !scopes.includes(scope));
  if (missingScopes.length) problems.push(`scopes lack ${missingScopes.join(', ')} (the token has ${scopes.length ? scopes.join(' ') : 'none'})`);
  if (expected.issuer !== undefined && payload.iss !== expected.issuer) {
    problems.push(
      payload.iss === undefined
        ? `the token has no iss claim; expected ${JSON.stringify(expected.issuer)}`
        : `iss is ${JSON.stringify(payload.iss)}, expected ${JSON.stringify(expected.issuer)}`,
    );
  }
  return problems;
}
