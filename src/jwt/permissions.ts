import type { JsonObject } from './parse.js';

/** Entra ID issued it: a tenant claim, or an Entra issuer. */
export function isEntraToken(payload: JsonObject): boolean {
  const iss = typeof payload.iss === 'string' ? payload.iss : '';
  return 'tid' in payload || /login\.microsoftonline\.(com|us)|sts\.windows\.net|login\.partner\.microsoftonline\.cn|login\.chinacloudapi\.cn/.test(iss);
}

const hasValue = (value: unknown): boolean => (Array.isArray(value) ? value.length > 0 : typeof value === 'string' ? value.trim() !== '' : value !== undefined && value !== null);

/**
 * The warning for an Entra access token that grants nothing: neither `roles` (application
 * permissions) nor `scp` (delegated ones). Entra issues such a token when no application permission of
 * the API was granted admin consent, and the API then answers 401 or 403. Undefined otherwise.
 */
export function missingPermissionsWarning(payload: JsonObject | undefined): string | undefined {
  if (!payload || !isEntraToken(payload) || hasValue(payload.roles) || hasValue(payload.scp)) return undefined;
  // An ID token is no access token; it carries no permissions by design.
  if (payload.nonce !== undefined || payload.at_hash !== undefined) return undefined;
  const api = typeof payload.aud === 'string' ? ` (aud ${payload.aud})` : '';
  return (
    `the token carries neither roles nor scp: the app was granted no application permission on this API${api}, so the API will answer 401 or 403. ` +
    "Fix: in the client's app registration, API permissions > Add a permission > the API > Application permissions, then Grant admin consent (or assign the API's app role to the app's service principal)."
  );
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Why an expected audience differs from an Entra token's aud, when the reason is the token format:
 * v2.0 access tokens carry the API's application ID (a GUID) where v1.0 tokens carry its Application
 * ID URI (api://…). Undefined when that is not the case.
 */
export function audienceFormatNote(expected: string, payload: JsonObject): string | undefined {
  const aud = payload.aud;
  const audiences = Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : typeof aud === 'string' ? [aud] : [];
  const guid = audiences.find((value) => GUID.test(value));
  if (!isEntraToken(payload) || !guid || GUID.test(expected) || !/^(api|https?):\/\//i.test(expected)) return undefined;
  const carries = payload.ver === '2.0' ? 'this is a v2.0 token, and v2.0 tokens carry' : 'Entra v2.0 tokens carry';
  const sameApi = expected.toLowerCase().includes(guid.toLowerCase());
  return `${carries} the API's application ID (GUID) as aud, not its Application ID URI: expected ${JSON.stringify(expected)}, the token has ${JSON.stringify(guid)}${sameApi ? ' (the same API)' : ''}. Use --expect-aud ${guid}, or have the API accept the GUID (v1.0 tokens carry the URI; the API's manifest, requestedAccessTokenVersion, decides the format)`;
}

const asList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : [];

/** Roles wherever products put them: roles (Entra, many), Keycloak's realm_access and resource_access. */
export function grantedRoles(payload: JsonObject): string[] {
  const realm = payload.realm_access as { roles?: unknown } | undefined;
  const clients = typeof payload.resource_access === 'object' && payload.resource_access !== null ? Object.values(payload.resource_access as Record<string, { roles?: unknown }>) : [];
  return [...new Set([...asList(payload.roles), ...asList(realm?.roles), ...clients.flatMap((client) => asList(client?.roles))])];
}

/** Scopes wherever products put them: scp (Entra, Okta), scope (RFC 9068, string or list), Auth0's permissions. */
export function grantedScopes(payload: JsonObject): string[] {
  return [...new Set([...asList(payload.scp), ...asList(payload.scope), ...asList(payload.permissions)])];
}
