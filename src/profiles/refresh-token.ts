import { planEndpoint } from '../oauth/endpoint.js';
import type { RequestSettings } from '../oauth/settings.js';

/**
 * What a sign-in profile keeps in its secret store: the refresh token, and the server and client it
 * was issued for. A refresh token is a bearer credential of one client at one server: whatever the
 * profile says later, it is sent nowhere else.
 */
export interface TokenBinding {
  /** The token endpoint that issued it (for Entra, this names the authority and tenant). */
  tokenUrl: string;
  clientId: string;
  /** The issuer, when the server has one (discovery or an ID token). */
  issuer?: string | undefined;
  /** The server's revocation endpoint at the sign-in: logout sends the refresh token there and nowhere else. */
  revocationUrl?: string | undefined;
}

export interface RefreshTokenRecord {
  refreshToken: string;
  issuedFor: TokenBinding;
  /** When the user signed in (a refresh keeps it). */
  signedInAt: string;
  /** Who signed in, as the verified ID token said; absent without one. */
  user?: string | undefined;
}

const VERSION = 1;

export function serializeRefreshToken(record: RefreshTokenRecord): string {
  return JSON.stringify({ v: VERSION, ...record });
}

/**
 * The stored record, or undefined for a value that does not say where it belongs (a bare token an
 * earlier tokenctl stored, or a damaged entry): such a token is never sent.
 */
export function parseRefreshToken(stored: string): RefreshTokenRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, refreshToken, issuedFor, signedInAt, user } = value as Record<string, unknown>;
  const binding = issuedFor as Record<string, unknown> | null | undefined;
  if (v !== VERSION || typeof refreshToken !== 'string' || refreshToken === '' || typeof signedInAt !== 'string') return undefined;
  if (typeof binding !== 'object' || binding === null || typeof binding.tokenUrl !== 'string' || typeof binding.clientId !== 'string') return undefined;
  if ((binding.issuer !== undefined && typeof binding.issuer !== 'string') || (binding.revocationUrl !== undefined && typeof binding.revocationUrl !== 'string')) return undefined;
  return {
    refreshToken,
    issuedFor: {
      tokenUrl: binding.tokenUrl,
      clientId: binding.clientId,
      ...(typeof binding.issuer === 'string' ? { issuer: binding.issuer } : {}),
      ...(typeof binding.revocationUrl === 'string' ? { revocationUrl: binding.revocationUrl } : {}),
    },
    signedInAt,
    ...(typeof user === 'string' ? { user } : {}),
  };
}

/**
 * Why a refresh token issued for `stored` must not be sent for `current`, or undefined when it may:
 * the same token endpoint and client, and the same issuer where both name one.
 */
export function bindingMismatch(stored: TokenBinding, current: TokenBinding): string | undefined {
  const issued = `${stored.tokenUrl} for client ${stored.clientId}`;
  if (stored.tokenUrl !== current.tokenUrl) return `its refresh token was issued by ${issued}, but the profile now gets tokens from ${current.tokenUrl}`;
  if (stored.clientId !== current.clientId) return `its refresh token was issued by ${issued}, but the profile's client is now ${current.clientId}`;
  if (stored.issuer !== undefined && current.issuer !== undefined && stored.issuer !== current.issuer) {
    return `its refresh token was issued by ${stored.issuer}, but the profile's issuer is now ${current.issuer}`;
  }
  return undefined;
}

/** Why the refresh token must not go to this revocation endpoint (one the sign-in did not know), or undefined. */
export function revocationMismatch(stored: TokenBinding, endpoint: URL): string | undefined {
  if (stored.revocationUrl === endpoint.href) return undefined;
  return stored.revocationUrl === undefined
    ? `no revocation endpoint was known when it was issued, and ${endpoint.href} is not where it came from`
    : `it was issued where ${stored.revocationUrl} revokes it, not ${endpoint.href}`;
}

/** The settings that say which server and client a profile's tokens belong to, and where they are sent. */
const OWNER_SETTINGS = [
  'issuer',
  'tokenUrl',
  'tenant',
  'cloud',
  'authorityHost',
  'clientId',
  'grant',
  'authorizeUrl',
  'deviceAuthorizationUrl',
  'revocationUrl',
  'introspectionUrl',
  'userinfoUrl',
] as const satisfies ReadonlyArray<keyof RequestSettings>;

/** Whether a change of settings gives the profile's tokens to another server, client or grant: then its sign-in is over. */
export function signInOwnerChanged(before: RequestSettings, after: RequestSettings): boolean {
  return OWNER_SETTINGS.some((key) => JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null));
}

/** Whether someone is signed in with a sign-in profile, as far as can be told without the network. */
export type SignInState =
  | { state: 'signed-in'; signedInAt: string; user?: string | undefined }
  | { state: 'signed-out' }
  /** A refresh token is stored, but tokenctl will not send it: it belongs elsewhere, or does not say where. */
  | { state: 'unusable'; reason: string };

/**
 * The state of a profile's sign-in from its stored refresh token (null: none). The token endpoint of
 * an issuer comes from its metadata: offline, that part of the binding is checked by the next refresh.
 */
export function signInState(stored: string | null, settings: RequestSettings): SignInState {
  if (stored === null) return { state: 'signed-out' };
  const record = parseRefreshToken(stored);
  if (!record) return { state: 'unusable', reason: 'its refresh token does not say which server and client it was issued for (an earlier tokenctl stored it)' };
  let tokenUrl = record.issuedFor.tokenUrl;
  try {
    const plan = planEndpoint(settings);
    if (!('discover' in plan)) tokenUrl = plan.tokenUrl.href;
  } catch {
    // Settings that plan no endpoint are another check's problem.
  }
  const mismatch = bindingMismatch(record.issuedFor, { tokenUrl, clientId: settings.clientId ?? '', issuer: settings.issuer });
  if (mismatch) return { state: 'unusable', reason: mismatch };
  return { state: 'signed-in', signedInAt: record.signedInAt, ...(record.user !== undefined ? { user: record.user } : {}) };
}
