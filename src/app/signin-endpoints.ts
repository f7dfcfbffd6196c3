import { Code, UsageError } from '../errors.js';
import type { TransportOptions } from '../http/transport.js';
import { parseEndpointUrl } from '../http/url-policy.js';
import { requireEndpoint, requireSoundMetadata, type EndpointField, type ServerMetadata } from '../oauth/discovery.js';
import { planEndpoint, type Endpoint } from '../oauth/endpoint.js';
import type { RequestSettings } from '../oauth/settings.js';

/** Every endpoint a user sign-in and the endpoint tools may use, each known or not. */
export interface SignInEndpoints {
  /** Where token requests go, and how (Entra or generic). */
  endpoint: Endpoint;
  /** The issuer ID tokens must name; for Entra, given a tenant ID from the token (see idTokenIssuer). */
  issuer?: string | undefined;
  authorization?: URL | undefined;
  deviceAuthorization?: URL | undefined;
  revocation?: URL | undefined;
  introspection?: URL | undefined;
  userinfo?: URL | undefined;
  jwks?: URL | undefined;
  scopesSupported?: string[] | undefined;
}

/** Endpoint URLs given explicitly (flags or the profile): they win over discovered ones. */
const EXPLICIT: Array<[keyof RequestSettings, keyof SignInEndpoints, string]> = [
  ['authorizeUrl', 'authorization', '--authorize-url'],
  ['deviceAuthorizationUrl', 'deviceAuthorization', '--device-authorization-url'],
  ['revocationUrl', 'revocation', '--revocation-url'],
  ['introspectionUrl', 'introspection', '--introspection-url'],
  ['userinfoUrl', 'userinfo', '--userinfo-url'],
];

const FIELDS: Array<[EndpointField, keyof SignInEndpoints]> = [
  ['authorization_endpoint', 'authorization'],
  ['device_authorization_endpoint', 'deviceAuthorization'],
  ['revocation_endpoint', 'revocation'],
  ['introspection_endpoint', 'introspection'],
  ['userinfo_endpoint', 'userinfo'],
  ['jwks_uri', 'jwks'],
];

export type MetadataFetcher = (issuer: URL, transport: TransportOptions, timeoutMs: number) => Promise<{ metadata: ServerMetadata; source: URL }>;

/**
 * Entra ID's v2 endpoints follow from the tenant and authority host; any other server's come from its
 * metadata (when an issuer is given) and the explicit URLs, which win.
 */
export async function resolveSignInEndpoints(settings: RequestSettings, transport: TransportOptions, fetchMetadata: MetadataFetcher): Promise<SignInEndpoints> {
  const plan = planEndpoint(settings);
  const result: SignInEndpoints = { endpoint: plan as Endpoint };
  if (plan.provider === 'entra') {
    const base = `${plan.authorityHost.href.replace(/\/+$/, '')}/${encodeURIComponent(plan.tenant)}`;
    Object.assign(result, {
      authorization: new URL(`${base}/oauth2/v2.0/authorize`),
      deviceAuthorization: new URL(`${base}/oauth2/v2.0/devicecode`),
      jwks: new URL(`${base}/discovery/v2.0/keys`),
      userinfo: new URL('https://graph.microsoft.com/oidc/userinfo'),
    });
  } else if ('discover' in plan) {
    const { metadata, source } = await fetchMetadata(plan.issuerUrl, transport, (settings.timeoutSeconds ?? 30) * 1000);
    requireSoundMetadata(metadata, plan.issuer, source);
    const methods = metadata.token_endpoint_auth_methods_supported;
    result.endpoint = {
      provider: 'generic',
      issuer: plan.issuer,
      tokenUrl: requireEndpoint(metadata, 'token_endpoint', '--token-url'),
      authMethodsSupported: methods ?? ['client_secret_basic'],
    };
    result.issuer = plan.issuer;
    result.scopesSupported = metadata.scopes_supported;
    for (const [field, key] of FIELDS) if (metadata[field]) (result as unknown as Record<string, URL>)[key] = requireEndpoint(metadata, field, '');
  }
  for (const [setting, key, flag] of EXPLICIT) {
    const value = settings[setting];
    if (typeof value === 'string') (result as unknown as Record<string, URL>)[key] = parseEndpointUrl(value, flag);
  }
  return result;
}

/** The endpoint a command needs, or an error saying how to give it. */
export function needEndpoint(endpoints: SignInEndpoints, key: 'authorization' | 'deviceAuthorization' | 'revocation' | 'introspection' | 'userinfo', what: string): URL {
  const url = endpoints[key];
  if (url) return url;
  const flag = EXPLICIT.find(([, k]) => k === key)?.[2] ?? '';
  const entra = endpoints.endpoint.provider === 'entra';
  throw new UsageError(Code.ENDPOINT_UNKNOWN, `no ${what} endpoint is known${entra ? ': Entra ID has none' : ''}`, {
    hint: entra ? 'Entra ID offers no token revocation or introspection endpoint; see the README for what to use instead.' : `Give the issuer (--issuer, whose metadata names it) or the URL itself with ${flag}.`,
  });
}

/**
 * The issuer an ID token must name. Entra's carries the tenant ID, which a tenant given as a domain
 * does not show: then it is taken from the token's own tid, on this authority host.
 */
export function idTokenIssuer(endpoints: SignInEndpoints, unverifiedTid: unknown): string | undefined {
  const endpoint = endpoints.endpoint;
  if (endpoint.provider !== 'entra') return endpoints.issuer;
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const tenantId = guid.test(endpoint.tenant) ? endpoint.tenant : typeof unverifiedTid === 'string' && guid.test(unverifiedTid) ? unverifiedTid : undefined;
  return tenantId ? `${endpoint.authorityHost.href.replace(/\/+$/, '')}/${tenantId}/v2.0` : undefined;
}

/**
 * The scopes of a sign-in: what the profile asks for, plus openid (an ID token says who signed in)
 * and offline_access (a refresh token) where the server knows them. Entra APIs given with --resource
 * become RESOURCE/.default.
 */
export function signInScopes(settings: RequestSettings, endpoints: SignInEndpoints): string[] {
  const asked = (settings.scopes ?? []).flatMap((scope) => scope.split(/\s+/)).filter(Boolean);
  const entra = endpoints.endpoint.provider === 'entra';
  const fromResources = entra ? (settings.resources ?? []).map((resource) => (resource.endsWith('/.default') ? resource : `${resource}/.default`)) : [];
  const oidc = entra || endpoints.issuer !== undefined;
  const supported = endpoints.scopesSupported;
  const offline = entra || supported === undefined || supported.includes('offline_access');
  const scopes = [...(oidc ? ['openid'] : []), ...(entra ? ['profile'] : []), ...(offline ? ['offline_access'] : []), ...asked, ...fromResources];
  return [...new Set(scopes)];
}

/** Whether an ID token from these endpoints can be verified: the issuer's keys, and the issuer (Entra's follows from the token's tenant). */
export function canVerifyIdTokens(endpoints: SignInEndpoints): boolean {
  return endpoints.jwks !== undefined && (endpoints.endpoint.provider === 'entra' || endpoints.issuer !== undefined);
}

