import { parseCompactJwt, type JsonObject } from '../jwt/parse.js';
import { audienceFormatNote, grantedRoles, grantedScopes, isEntraToken } from '../jwt/permissions.js';
import type { Profile } from './profile.js';

export type Expectations = Profile['expectations'];

/** The payload of a JWT access token, or undefined for an opaque one. */
export function tokenClaims(accessToken: string): JsonObject | undefined {
  try {
    return parseCompactJwt(accessToken).payload;
  } catch {
    return undefined;
  }
}

const asList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : [];

/** Merges expectations: later layers (the command line) add to and override the profile's. */
export function mergeExpectations(...layers: Expectations[]): Expectations {
  const merged: Expectations = {};
  for (const layer of layers) {
    if (layer.audience) merged.audience = layer.audience;
    if (layer.issuer) merged.issuer = layer.issuer;
    if (layer.roles?.length) merged.roles = [...new Set([...(merged.roles ?? []), ...layer.roles])];
    if (layer.scopes?.length) merged.scopes = [...new Set([...(merged.scopes ?? []), ...layer.scopes])];
  }
  return merged;
}

export const hasExpectations = (e: Expectations): boolean => Boolean(e.audience || e.issuer || e.roles?.length || e.scopes?.length);

/** One expectation the token does not meet, as data for --json and as a sentence. */
export interface ExpectationFailure {
  claim: 'aud' | 'iss' | 'roles' | 'scopes';
  expected: string | string[];
  actual: unknown;
  why: string;
}

/**
 * Each expectation the token does not meet. An opaque token cannot be checked, which is said once
 * rather than counted as a failure.
 */
export function checkExpectations(claims: JsonObject | undefined, expected: Expectations): { failures: ExpectationFailure[]; unchecked?: string } {
  if (!hasExpectations(expected)) return { failures: [] };
  if (!claims) return { failures: [], unchecked: 'the token is opaque (not a JWT), so the expectations could not be checked' };
  const failures: ExpectationFailure[] = [];
  if (expected.audience !== undefined && !asList(claims.aud).includes(expected.audience)) {
    const why = audienceFormatNote(expected.audience, claims) ?? `aud is ${JSON.stringify(claims.aud ?? null)}, expected ${JSON.stringify(expected.audience)}`;
    failures.push({ claim: 'aud', expected: expected.audience, actual: claims.aud ?? null, why });
  }
  if (expected.issuer !== undefined && claims.iss !== expected.issuer) {
    failures.push({ claim: 'iss', expected: expected.issuer, actual: claims.iss ?? null, why: `iss is ${JSON.stringify(claims.iss ?? null)}, expected ${JSON.stringify(expected.issuer)}` });
  }
  const roles = grantedRoles(claims);
  const missingRoles = (expected.roles ?? []).filter((role) => !roles.includes(role));
  if (missingRoles.length) {
    const fix = isEntraToken(claims) ? 'grant the app these application permissions and admin consent' : 'grant the client these roles on the server';
    failures.push({ claim: 'roles', expected: missingRoles, actual: roles, why: `roles lack ${missingRoles.join(', ')} (the token has ${roles.length ? roles.join(', ') : 'none'}): ${fix}` });
  }
  const scopes = grantedScopes(claims);
  const missingScopes = (expected.scopes ?? []).filter((scope) => !scopes.includes(scope));
  if (missingScopes.length) {
    failures.push({ claim: 'scopes', expected: missingScopes, actual: scopes, why: `scopes lack ${missingScopes.join(', ')} (the token has ${scopes.length ? scopes.join(' ') : 'none'})` });
  }
  return { failures };
}

/** The claims worth a line in a report: who issued it, for what, and what it grants. */
export function keyClaims(claims: JsonObject | undefined): Record<string, unknown> {
  if (!claims) return {};
  const names = ['aud', 'iss', 'roles', 'scp', 'scope', 'azp', 'appid', 'client_id', 'tid', 'sub'];
  return Object.fromEntries(names.filter((name) => Object.hasOwn(claims, name)).map((name) => [name, claims[name]]));
}
