/**
 * Which identity product answered, and where in that product each setting lives: the diagnosis is
 * the same class of mistake everywhere, but the place to fix it is named in the product's own terms.
 */

export type Vendor = 'entra' | 'keycloak' | 'okta' | 'auth0' | 'pingfederate' | 'pingone' | 'spring' | 'generic';

export const VENDOR_NAMES: Record<Vendor, string> = {
  entra: 'Entra ID',
  keycloak: 'Keycloak',
  okta: 'Okta',
  auth0: 'Auth0',
  pingfederate: 'PingFederate',
  pingone: 'PingOne',
  spring: 'Spring Authorization Server',
  generic: 'the server',
};

/** Recognises the product from the token URL and, failing that, from the answer's shape. */
export function detectVendor(tokenUrl: URL, answer: { json?: Record<string, unknown> | undefined; description?: string | undefined } = {}): Vendor {
  const host = tokenUrl.hostname.toLowerCase();
  const path = tokenUrl.pathname;
  if (/(^|\.)login\.(microsoftonline\.(com|us)|partner\.microsoftonline\.cn|chinacloudapi\.cn)$|(^|\.)sts\.windows\.net$/.test(host)) return 'entra';
  if (answer.json && (Array.isArray(answer.json.error_codes) || typeof answer.json.trace_id === 'string')) return 'entra';
  if (/\/realms\/[^/]+\/protocol\/openid-connect\/token$/.test(path)) return 'keycloak';
  if (/(^|\.)(okta|oktapreview|okta-emea|okta-gov)\.com$/.test(host) || /^\/oauth2\/([^/]+\/)?v1\/token$/.test(path)) return 'okta';
  if (/(^|\.)auth0\.com$/.test(host) || path === '/oauth/token') return 'auth0';
  if (/(^|\.)pingone\.(com|eu|asia|ca|com\.au|sg)$/.test(host) || /^\/[0-9a-f-]{36}\/as\/token$/.test(path)) return 'pingone';
  if (/\/as\/token\.oauth2$/.test(path)) return 'pingfederate';
  if (answer.description?.startsWith('OAuth 2.0 Parameter:') || (typeof answer.json?.error_uri === 'string' && answer.json.error_uri.includes('rfc6749#section-5.2'))) return 'spring';
  if (path === '/oauth2/token') return 'spring';
  return 'generic';
}

/** Where to allow the client-credentials grant for a client. */
export const ENABLE_GRANT: Record<Vendor, string> = {
  entra: 'An Entra ID app registration allows client credentials once it has a secret or a certificate; check that the client ID is the confidential app, not a public one.',
  keycloak: 'In the Keycloak admin console: Clients > (the client) > Settings > Capability config: turn on Client authentication and Service accounts roles (that is the client-credentials grant), then Save.',
  okta: 'In the Okta admin console: Applications > (the app) > General > General Settings > Grant type: check Client Credentials. Only an API Services app or a web app with a client secret or key can have it.',
  auth0: 'In the Auth0 dashboard: Applications > (the app) > Settings > Advanced Settings > Grant Types: enable Client Credentials (a Machine to Machine application has it by default).',
  pingfederate: 'In PingFederate: Applications > OAuth > Clients > (the client): add Client Credentials to the Allowed Grant Types.',
  pingone: 'In PingOne: Applications > (the app) > Configuration: add Client Credentials to the grant types (a Worker application has it).',
  spring: 'In Spring Authorization Server: add AuthorizationGrantType.CLIENT_CREDENTIALS to the RegisteredClient\'s authorizationGrantTypes.',
  generic: 'On the server, allow the client-credentials grant for this client (often called a service account, a machine-to-machine or a worker client).',
};

/** Where the client's secret is shown or renewed. */
export const SECRET_PLACE: Record<Vendor, string> = {
  entra: "Send the secret's Value (shown once when it was created), not its Secret ID; if it is lost, create a new secret under Certificates & secrets in the app registration.",
  keycloak: 'Copy the secret again from Clients > (the client) > Credentials > Client Secret (Regenerate makes a new one).',
  okta: 'Copy the secret again from Applications > (the app) > General > Client Credentials (Generate new secret if it is lost).',
  auth0: 'Copy the secret again from Applications > (the app) > Settings > Client Secret (Rotate makes a new one).',
  pingfederate: 'Check the client secret under Applications > OAuth > Clients > (the client) > Client Authentication.',
  pingone: 'Copy the secret again from Applications > (the app) > Configuration > Client Secret.',
  spring: 'Check the RegisteredClient\'s clientSecret: it is stored encoded (e.g. {noop}secret or {bcrypt}…); send the plain value.',
  generic: 'Copy the client secret again from where the client is registered, or create a new one.',
};

/** Where the client's authentication method is set. */
export const AUTH_METHOD_PLACE: Record<Vendor, string> = {
  entra: '',
  keycloak: ' Keycloak shows the client\'s method under Clients > (the client) > Credentials > Client Authenticator ("Client Id and Secret" takes client_secret_basic or client_secret_post; "Signed JWT" takes private_key_jwt).',
  okta: ' Okta sets it per app under General > Client Credentials > Client authentication (Client secret, or Public key / Private key for private_key_jwt).',
  auth0: ' Auth0 sets it per application under Credentials > Authentication Method (Client Secret (Basic), Client Secret (Post), or Private Key JWT).',
  pingfederate: ' PingFederate sets it per client under Client Authentication.',
  pingone: ' PingOne sets it per application under Configuration > Token Endpoint Authentication Method.',
  spring: ' Spring Authorization Server accepts only the RegisteredClient\'s clientAuthenticationMethods (client_secret_basic unless CLIENT_SECRET_POST is added).',
  generic: '',
};

/** Where a client is found, by the name each product gives it. */
export const CLIENT_PLACE: Record<Vendor, string> = {
  entra: 'the Application (client) ID on the app registration\'s Overview page',
  keycloak: 'the Client ID under Clients in this realm (client IDs are per realm)',
  okta: 'the Client ID on the app\'s General tab',
  auth0: 'the Client ID on the application\'s Settings tab (client IDs are per tenant)',
  pingfederate: 'the Client ID under Applications > OAuth > Clients',
  pingone: 'the Client ID on the application\'s Overview (client IDs are per environment)',
  spring: 'the RegisteredClient\'s clientId',
  generic: 'the client ID the server registered',
};

/** What the tenant-like segment of the URL is called. */
export const TENANT_WORD: Record<Vendor, string> = {
  entra: 'tenant',
  keycloak: 'realm',
  okta: 'authorization server',
  auth0: 'tenant',
  pingfederate: 'server',
  pingone: 'environment',
  spring: 'server',
  generic: 'tenant or realm',
};

/** Where the scopes a client may ask for are defined. */
export const SCOPE_PLACE: Record<Vendor, string> = {
  entra: '',
  keycloak: 'In Keycloak, a scope must exist under Client scopes and be assigned to the client (Clients > (the client) > Client scopes) as Default or Optional.',
  okta: 'In Okta, custom scopes live in the authorization server (Security > API > Authorization Servers > (server) > Scopes), and an access policy rule must grant them to this client; the org authorization server (/oauth2/v1/token) only issues okta.* scopes.',
  auth0: 'In Auth0, scopes are the API\'s Permissions (Applications > APIs > (the API) > Permissions) and must be granted to this application under Machine to Machine Applications.',
  pingfederate: 'In PingFederate, scopes are defined under System > OAuth Settings > Scope Management and must be allowed for the client.',
  pingone: 'In PingOne, scopes belong to a resource (Applications > Resources) and must be granted to the application under its Resources tab; one token can carry scopes of one resource only.',
  spring: 'In Spring Authorization Server, a scope must be in the RegisteredClient\'s scopes.',
  generic: 'Check --scope against the scopes registered for this client on the server.',
};
