import type { JsonObject } from './parse.js';
import { grantedRoles, grantedScopes, isEntraToken, missingPermissionsWarning } from './permissions.js';

type Source = 'RFC 7515' | 'RFC 7519' | 'RFC 7800' | 'RFC 8693' | 'RFC 9068' | 'OpenID Connect' | 'Entra ID' | 'Keycloak' | 'Okta' | 'Auth0' | 'PingOne' | 'PingFederate';

interface ClaimInfo {
  source: Source;
  note: string | ((value: unknown) => string);
}

const clientAuthMethod = (value: unknown): string => {
  const methods: Record<string, string> = {
    '0': 'a public client (no credential)',
    '1': 'a client secret',
    '2': 'a certificate or a federated client assertion',
  };
  return `How the client authenticated to Entra ID: ${methods[String(value)] ?? `unknown value ${JSON.stringify(value)}`}.`;
};

/** One plain-language line for each claim a support engineer is likely to meet. */
const PAYLOAD_CLAIMS: Record<string, ClaimInfo> = {
  iss: { source: 'RFC 7519', note: 'Issuer: who minted the token. APIs compare it exactly, trailing slash included.' },
  sub: { source: 'RFC 7519', note: 'Subject: who the token is about (for client credentials, the calling application).' },
  aud: { source: 'RFC 7519', note: 'Audience: the API this token is meant for. An API rejects a token whose aud is not its own identifier.' },
  exp: { source: 'RFC 7519', note: 'Expiry: the token must not be accepted after this time.' },
  nbf: { source: 'RFC 7519', note: 'Not before: the token must not be accepted before this time.' },
  iat: { source: 'RFC 7519', note: 'Issued at: when the token was minted.' },
  jti: { source: 'RFC 7519', note: 'JWT ID: a unique identifier, used to detect replay.' },
  client_id: { source: 'RFC 9068', note: 'The OAuth client that requested the token.' },
  scope: { source: 'RFC 9068', note: 'Scopes granted, space-separated.' },
  groups: { source: 'RFC 9068', note: 'Groups the subject belongs to.' },
  entitlements: { source: 'RFC 9068', note: 'Individual entitlements of the subject.' },
  act: { source: 'RFC 8693', note: 'Actor: the party acting on behalf of the subject (token exchange / delegation).' },
  may_act: { source: 'RFC 8693', note: 'Who may act on behalf of the subject.' },
  cnf: { source: 'RFC 7800', note: 'Confirmation: the token is bound to a key (mTLS or DPoP); the caller must prove possession of it.' },
  auth_time: { source: 'OpenID Connect', note: 'When the user last authenticated interactively.' },
  nonce: { source: 'OpenID Connect', note: 'Value from the authorization request, binding an ID token to a login.' },
  acr: { source: 'OpenID Connect', note: 'Authentication context class: how strong the authentication was.' },
  amr: { source: 'OpenID Connect', note: 'Authentication methods used (pwd, mfa, otp, …).' },
  azp: {
    source: 'OpenID Connect',
    note: 'Authorized party: the client the token was issued to. In Entra ID v2.0 tokens, the application (client) ID of the caller.',
  },
  at_hash: { source: 'OpenID Connect', note: 'Hash of the access token issued with this ID token.' },
  c_hash: { source: 'OpenID Connect', note: 'Hash of the authorization code issued with this ID token.' },
  sid: { source: 'OpenID Connect', note: 'Session ID at the identity provider.' },
  name: { source: 'OpenID Connect', note: "The user's display name." },
  email: { source: 'OpenID Connect', note: "The user's email address (not necessarily verified or unique)." },
  preferred_username: { source: 'OpenID Connect', note: 'Username for display; do not use it as a unique key.' },
  updated_at: { source: 'OpenID Connect', note: "When the user's profile was last updated." },
  tid: { source: 'Entra ID', note: 'Tenant (directory) ID the token was issued in.' },
  oid: {
    source: 'Entra ID',
    note: "Object ID of the subject in this tenant; for an app-only token, the service principal's object ID (not the app registration's).",
  },
  appid: { source: 'Entra ID', note: 'Application (client) ID of the caller (v1.0 tokens; azp in v2.0).' },
  azpacr: { source: 'Entra ID', note: clientAuthMethod },
  appidacr: { source: 'Entra ID', note: clientAuthMethod },
  roles: {
    source: 'Entra ID',
    note: 'App roles granted. Without scp these are application permissions granted to the calling app (admin consent).',
  },
  scp: { source: 'Entra ID', note: 'Delegated permissions (scopes) the user consented to: present only in tokens issued on behalf of a user.' },
  ver: {
    source: 'Entra ID',
    note: (value) =>
      `Token format version ${JSON.stringify(value)}. The resource API's manifest (requestedAccessTokenVersion) decides it, not the endpoint the client called.`,
  },
  idtyp: {
    source: 'Entra ID',
    note: (value) => (value === 'app' ? 'Identity type "app": an app-only token (client credentials).' : `Identity type ${JSON.stringify(value)}.`),
  },
  uti: { source: 'Entra ID', note: "Entra's internal token identifier; quote it with the tenant ID in a support ticket." },
  rh: { source: 'Entra ID', note: 'Internal claim Entra ID uses to revalidate tokens; ignore it.' },
  aio: { source: 'Entra ID', note: 'Internal claim Entra ID uses for token reuse; ignore it.' },
  wids: { source: 'Entra ID', note: 'Directory role template IDs held by the subject.' },
  upn: { source: 'Entra ID', note: "The user's principal name (user tokens only)." },
  unique_name: { source: 'Entra ID', note: 'Display form of the subject (v1.0 tokens).' },
  idp: { source: 'Entra ID', note: 'The identity provider that authenticated the subject, when it is not the issuing tenant.' },
  ipaddr: { source: 'Entra ID', note: 'IP address the subject authenticated from.' },
  hasgroups: { source: 'Entra ID', note: 'The subject is in too many groups to list; query Microsoft Graph for them.' },
  xms_cc: { source: 'Entra ID', note: 'Client capabilities the caller declared (e.g. CP1 for continuous access evaluation).' },
  xms_mirid: { source: 'Entra ID', note: 'Resource ID of the managed identity that requested the token.' },
  xms_pdl: { source: 'Entra ID', note: "The subject's preferred data location (multi-geo)." },
  xms_tcdt: { source: 'Entra ID', note: 'When the tenant was created.' },
};

const HEADER_PARAMS: Record<string, ClaimInfo> = {
  alg: { source: 'RFC 7515', note: 'Signature algorithm.' },
  typ: {
    source: 'RFC 7515',
    note: (value) =>
      String(value).toLowerCase() === 'at+jwt' ? 'Media type "at+jwt": an OAuth access token in the RFC 9068 profile.' : `Media type ${JSON.stringify(value)}.`,
  },
  kid: { source: 'RFC 7515', note: "Key ID: which of the issuer's published keys (JWKS) signed the token." },
  x5t: { source: 'RFC 7515', note: 'SHA-1 thumbprint of the signing certificate (base64url).' },
  'x5t#S256': { source: 'RFC 7515', note: 'SHA-256 thumbprint of the signing certificate (base64url).' },
  x5c: { source: 'RFC 7515', note: 'The signing certificate chain.' },
  jku: { source: 'RFC 7515', note: 'URL of the JWKS holding the key; verifiers must not trust it blindly.' },
  cty: { source: 'RFC 7515', note: 'Content type of the payload (JWT here means a nested token).' },
  nonce: {
    source: 'Entra ID',
    note: 'A nonce in the header marks a Microsoft Graph token: only Graph can verify its signature, so verification by anyone else fails by design.',
  },
};

export interface ClaimNote {
  name: string;
  source: string;
  note: string;
}

function describe(table: Record<string, ClaimInfo>, object: JsonObject): ClaimNote[] {
  const notes: ClaimNote[] = [];
  for (const [name, value] of Object.entries(object)) {
    // Own keys only: a token may well carry claims named "constructor" or "__proto__".
    const info = Object.hasOwn(table, name) ? table[name] : undefined;
    if (info) notes.push({ name, source: info.source, note: typeof info.note === 'string' ? info.note : info.note(value) });
    else if (table === PAYLOAD_CLAIMS && name.startsWith('xms_')) {
      notes.push({ name, source: 'Entra ID', note: 'Entra ID extension claim (xms_ prefix), mostly for Microsoft services; do not build on it.' });
    }
  }
  return notes;
}

export const headerNotes = (header: JsonObject): ClaimNote[] => describe(HEADER_PARAMS, header);
export const payloadNotes = (payload: JsonObject): ClaimNote[] => describe(PAYLOAD_CLAIMS, payload);

/** A note about the token as a whole: a stable id scripts can key on, and its text. */
export interface TokenNote {
  id: string;
  text: string;
}

export type TokenIssuer = 'entra' | 'keycloak' | 'okta' | 'auth0' | 'pingone' | 'pingfederate' | 'other';

/** Which product minted the token, from its issuer and the claims only that product writes. */
export function tokenIssuer(payload: JsonObject): TokenIssuer {
  const iss = typeof payload.iss === 'string' ? payload.iss : '';
  if (isEntraToken(payload)) return 'entra';
  if (/\/realms\/[^/]+\/?$/.test(iss) || 'realm_access' in payload || 'resource_access' in payload) return 'keycloak';
  if (/\.(okta|oktapreview|okta-emea)\.com(\/|$)/.test(iss) || ('cid' in payload && 'ver' in payload)) return 'okta';
  if (/\.auth0\.com\/?$/.test(iss) || 'gty' in payload) return 'auth0';
  if (/auth\.pingone\.[a-z.]+\//.test(iss) || 'env' in payload || 'p1.userId' in payload) return 'pingone';
  if (/\/as\/?$|pingfederate/i.test(iss)) return 'pingfederate';
  return 'other';
}

/** Claims each product writes, explained in plain language. */
const VENDOR_CLAIMS: Record<Exclude<TokenIssuer, 'entra' | 'other'>, Record<string, ClaimInfo>> = {
  keycloak: {
    realm_access: { source: 'Keycloak', note: 'Realm roles of the subject ({"roles": [...]}); for client credentials, the roles of the client\'s service account.' },
    resource_access: { source: 'Keycloak', note: 'Client roles, per client ID ({"CLIENT": {"roles": [...]}}): what the subject may do in each client (API).' },
    azp: { source: 'Keycloak', note: 'Authorized party: the client ID that requested the token.' },
    typ: { source: 'Keycloak', note: (value) => `Keycloak token type ${JSON.stringify(value)} (Bearer for access tokens, ID for ID tokens, Refresh for refresh tokens).` },
    session_state: { source: 'Keycloak', note: 'The Keycloak session the token belongs to.' },
    sid: { source: 'Keycloak', note: 'The Keycloak session ID.' },
    'allowed-origins': { source: 'Keycloak', note: 'Web origins allowed to use the token (CORS), from the client\'s Web origins setting.' },
    clientId: { source: 'Keycloak', note: 'The client whose service account this token belongs to (client credentials).' },
    clientHost: { source: 'Keycloak', note: 'Address of the host that requested the service-account token.' },
    clientAddress: { source: 'Keycloak', note: 'IP address the service-account token was requested from.' },
    preferred_username: { source: 'Keycloak', note: 'Username; service-account-CLIENT for a client-credentials token.' },
    scope: { source: 'Keycloak', note: 'Client scopes granted, space-separated (from the client\'s Default and requested Optional client scopes).' },
  },
  okta: {
    cid: { source: 'Okta', note: 'Client ID of the app that requested the token.' },
    uid: { source: 'Okta', note: 'Okta user ID of the subject (absent in client-credentials tokens).' },
    scp: { source: 'Okta', note: 'Scopes granted, as an array; for client credentials, custom scopes of the authorization server.' },
    ver: { source: 'Okta', note: 'Okta access token format version.' },
    sub: { source: 'Okta', note: 'Subject: the user, or the client ID for a client-credentials token.' },
    auth_time: { source: 'Okta', note: 'When the user signed in.' },
  },
  auth0: {
    gty: { source: 'Auth0', note: (value) => `Grant type that produced the token${value === 'client-credentials' ? ': client credentials (a machine-to-machine application)' : ` (${JSON.stringify(value)})`}.` },
    azp: { source: 'Auth0', note: 'Client ID of the application that requested the token.' },
    permissions: { source: 'Auth0', note: 'Permissions of the API granted to the caller (RBAC, "Add Permissions in the Access Token").' },
    org_id: { source: 'Auth0', note: 'The Auth0 Organization the token was issued for.' },
    sub: { source: 'Auth0', note: 'Subject: CLIENT_ID@clients for a client-credentials token, else the user ID.' },
  },
  pingone: {
    env: { source: 'PingOne', note: 'PingOne environment ID the token was issued in.' },
    org: { source: 'PingOne', note: 'PingOne organization ID.' },
    client_id: { source: 'PingOne', note: 'The application (client) that requested the token.' },
    sid: { source: 'PingOne', note: 'PingOne session ID.' },
    'p1.userId': { source: 'PingOne', note: 'PingOne user ID of the subject.' },
    'p1.region': { source: 'PingOne', note: 'Region of the PingOne environment.' },
  },
  pingfederate: {
    client_id: { source: 'PingFederate', note: 'The OAuth client that requested the token.' },
    scope: { source: 'PingFederate', note: 'Scopes granted (PingFederate writes them as a list or a string).' },
    Username: { source: 'PingFederate', note: 'Username from the access token mapping.' },
    OrgName: { source: 'PingFederate', note: 'Organization name from the access token mapping.' },
  },
};

/** Claim notes in the terms of the product that issued the token; generic ones otherwise. */
export function issuerClaimNotes(payload: JsonObject): ClaimNote[] {
  const issuer = tokenIssuer(payload);
  const general = payloadNotes(payload);
  if (issuer === 'entra' || issuer === 'other') {
    // Entra's readings of scp, roles and ver are Entra's own: elsewhere they would mislead.
    return issuer === 'entra' ? general : general.filter((note) => note.source !== 'Entra ID');
  }
  const own = describe(VENDOR_CLAIMS[issuer], payload);
  const named = new Set(own.map((note) => note.name));
  const others = general.filter((note) => !named.has(note.name) && note.source !== 'Entra ID');
  // Namespaced custom claims (Auth0 and others): a URL as the claim name.
  const custom = Object.keys(payload)
    .filter((name) => /^https?:\/\//.test(name) && !named.has(name))
    .map((name) => ({ name, source: 'custom', note: 'A namespaced custom claim added by a rule or action of the identity provider.' }));
  return [...own, ...others, ...custom].sort((a, b) => Object.keys(payload).indexOf(a.name) - Object.keys(payload).indexOf(b.name));
}

const PRODUCT_NAMES: Record<TokenIssuer, string> = {
  entra: 'Entra ID',
  keycloak: 'Keycloak',
  okta: 'Okta',
  auth0: 'Auth0',
  pingone: 'PingOne',
  pingfederate: 'PingFederate',
  other: 'the issuer',
};

/** What the token as a whole says: kind, flow, and anything a support engineer should notice. */
export function tokenObservations(header: JsonObject, payload: JsonObject, signature: string): TokenNote[] {
  const notes: TokenNote[] = [];
  const note = (id: string, text: string) => notes.push({ id, text });
  const has = (name: string) => payload[name] !== undefined;
  const issuer = tokenIssuer(payload);
  const idToken = has('nonce') || has('at_hash');

  if (issuer === 'entra') {
    if (has('scp')) note('entra-delegated', 'Delegated token: it carries scp, so it was issued on behalf of a signed-in user.');
    else if (has('roles')) note('entra-app-only', 'App-only token: it carries roles and no scp, so it was issued to an application (client credentials), not on behalf of a user.');
    else if (!idToken) {
      const permissions = missingPermissionsWarning(payload);
      note('entra-no-permissions', `${payload.idtyp === 'app' ? 'App-only token (idtyp "app") ' : 'Token '}without roles or scp: ${permissions ? permissions.replace(/^the token carries neither roles nor scp: /, '') : 'it grants no permission.'}`);
    }
    if (payload.ver === '1.0' && typeof payload.iss === 'string' && payload.iss.includes('/v2.0')) {
      note('entra-version-mismatch', 'ver is 1.0 but iss is a v2.0 issuer: unusual, check which issuer the API expects.');
    }
  } else if (issuer !== 'other') {
    const name = PRODUCT_NAMES[issuer];
    const clientCredentials =
      (issuer === 'keycloak' && typeof payload.preferred_username === 'string' && payload.preferred_username.startsWith('service-account-')) ||
      (issuer === 'okta' && payload.sub === payload.cid) ||
      (issuer === 'auth0' && payload.gty === 'client-credentials') ||
      ((issuer === 'pingone' || issuer === 'pingfederate') && has('client_id') && !has('sub'));
    note(`${issuer}-token`, `${name} ${idToken ? 'ID' : 'access'} token${clientCredentials ? ' issued to a client (client credentials)' : ''}.`);
    const roles = grantedRoles(payload);
    const scopes = grantedScopes(payload);
    if (!idToken && roles.length === 0 && scopes.length === 0) {
      note('no-permissions', `It carries no roles, scopes or permissions: an API that checks them will answer 403. ${NO_PERMISSION_FIX[issuer]}`);
    }
  } else if (has('scope') || has('client_id')) {
    note(has('sub') && payload.sub !== payload.client_id ? 'oauth-delegated' : 'oauth-client-credentials', has('sub') && payload.sub !== payload.client_id ? 'OAuth access token issued on behalf of a subject.' : 'OAuth access token issued to a client (client credentials).');
  }
  if (idToken) note('id-token', 'Looks like an OpenID Connect ID token: it proves a sign-in to the client and should not be sent to APIs.');
  if (header.alg === 'none' || signature === '') note('unsecured', 'Unsecured token (alg "none" or no signature): anyone could have written it; never accept it.');
  if (typeof payload.exp === 'number' && typeof payload.iat === 'number') {
    const lifetime = payload.exp - payload.iat;
    if (lifetime > 0) note('lifetime', `Issued for ${Math.round(lifetime / 60)} minutes (iat to exp).`);
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1) note('audiences', `Issued for ${payload.aud.length} audiences.`);
  return notes;
}

const NO_PERMISSION_FIX: Record<Exclude<TokenIssuer, 'entra' | 'other'>, string> = {
  keycloak: "In Keycloak, assign roles to the client's service account (Clients > (the client) > Service accounts roles).",
  okta: 'In Okta, request a custom scope of the authorization server with --scope.',
  auth0: "In Auth0, authorize the application for the API and select its permissions (Applications > APIs > Machine to Machine Applications), with RBAC's Add Permissions in the Access Token on.",
  pingone: 'In PingOne, grant the application scopes of the resource (the application\'s Resources tab).',
  pingfederate: 'In PingFederate, allow scopes for the client and request them with --scope.',
};
