import { createHash } from 'node:crypto';
import type { CredentialKind } from '../choices.js';
import type { RequestSettings } from '../oauth/settings.js';

/** Settings that change how a request is sent, not which token comes back. */
type TransportOnly =
  | 'timeoutSeconds'
  | 'proxy'
  | 'caFile'
  | 'sendX5c'
  | 'assertionLifetimeSeconds'
  // Where the browser comes back to, and the endpoints of the tools: none of them shapes the token.
  | 'redirectPort'
  | 'redirectHost'
  | 'revocationUrl'
  | 'introspectionUrl'
  | 'userinfoUrl';

// Every other setting shapes the token. `satisfies` makes a new RequestSettings field fail to compile
// until it is put here or in TransportOnly, so a cached token can never answer a different request.
const SHAPING = {
  tenant: true,
  cloud: true,
  authorityHost: true,
  tokenUrl: true,
  issuer: true,
  clientId: true,
  authMethod: true,
  scopes: true,
  resources: true,
  audience: true,
  params: true,
  certificatePath: true,
  privateKeyPath: true,
  certificateAlias: true,
  thumbprint: true,
  assertionAlgorithm: true,
  assertionAudience: true,
  clientAssertionFile: true,
  grant: true,
  authorizeUrl: true,
  deviceAuthorizationUrl: true,
} as const satisfies Record<Exclude<keyof RequestSettings, TransportOnly>, true>;

export type TokenShape = RequestSettings & { credentialKind: CredentialKind };

/** JSON with object keys sorted at every level and undefined members left out. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Identifies the token a request would get: the SHA-256 (hex) of everything that shapes it, and
 * nothing secret. Scopes are a set (`read write` = `write read`); every other list keeps its order.
 */
export function tokenCacheKey(shape: TokenShape): string {
  const picked: Record<string, unknown> = { credentialKind: shape.credentialKind };
  for (const key of Object.keys(SHAPING) as Array<keyof typeof SHAPING>) picked[key] = shape[key];
  if (shape.scopes) picked.scopes = [...new Set(shape.scopes.flatMap((scope) => scope.split(/\s+/)).filter(Boolean))].sort();
  return createHash('sha256').update(canonicalJson(picked)).digest('hex');
}
