import { Code, NetworkError, UsageError } from '../errors.js';
import type { RawResponse } from '../http/exchange.js';
import { isLoopbackHost } from '../http/url-policy.js';
import { excerpt } from './redact.js';

/**
 * Authorization server metadata (RFC 8414, OpenID Connect Discovery 1.0): the fields a client and a
 * support engineer use. Every field has been type-checked; anything else the server said is dropped.
 */
export interface ServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  device_authorization_endpoint?: string;
  end_session_endpoint?: string;
  jwks_uri?: string;
  grant_types_supported?: string[];
  response_types_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  introspection_endpoint_auth_methods_supported?: string[];
  revocation_endpoint_auth_methods_supported?: string[];
  code_challenge_methods_supported?: string[];
  scopes_supported?: string[];
  claims_supported?: string[];
  id_token_signing_alg_values_supported?: string[];
  subject_types_supported?: string[];
  authorization_response_iss_parameter_supported?: boolean;
}

export const ENDPOINT_FIELDS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'introspection_endpoint',
  'revocation_endpoint',
  'device_authorization_endpoint',
  'end_session_endpoint',
  'jwks_uri',
] as const;
export type EndpointField = (typeof ENDPOINT_FIELDS)[number];

const LIST_FIELDS = [
  'grant_types_supported',
  'response_types_supported',
  'token_endpoint_auth_methods_supported',
  'introspection_endpoint_auth_methods_supported',
  'revocation_endpoint_auth_methods_supported',
  'code_challenge_methods_supported',
  'scopes_supported',
  'claims_supported',
  'id_token_signing_alg_values_supported',
  'subject_types_supported',
] as const;

/** Where the metadata of an issuer may be: OpenID Connect first, then RFC 8414 (well-known segment before the path). */
export function discoveryUrls(issuer: URL): URL[] {
  const path = issuer.pathname.replace(/\/+$/, '');
  return [new URL(`${issuer.origin}${path}/.well-known/openid-configuration`), new URL(`${issuer.origin}/.well-known/oauth-authorization-server${path}`)];
}

/** The request for one metadata location: a plain GET, never following a redirect. */
export function buildDiscoveryRequest(url: URL): { method: 'GET'; url: URL; headers: Record<string, string> } {
  return { method: 'GET', url, headers: { accept: 'application/json' } };
}

function describe(response: RawResponse): string {
  const type = response.headers['content-type'] ?? 'no content type';
  return `HTTP ${response.status}, ${type}${response.body.trim() ? `: "${excerpt(response.body, [])}"` : ', empty body'}`;
}

/**
 * The metadata document at `source`, type-checked; undefined for a 404 (so the next location is tried).
 * Pure: the issuer is compared later, by checkMetadata, so `discover` can show a mismatch instead of failing on it.
 */
export function processDiscoveryResponse(response: RawResponse, source: URL): ServerMetadata | undefined {
  if (response.status === 404) return undefined;
  if (response.status >= 300 && response.status < 400) {
    throw new NetworkError(Code.UNEXPECTED_REDIRECT, `the metadata at ${source.href} redirects (HTTP ${response.status}) to ${response.headers.location ?? 'nowhere'}`, {
      hint: 'Give the issuer exactly as the server names itself; tokenctl does not follow redirects.',
    });
  }
  if (response.status !== 200) {
    throw new NetworkError(Code.HTTP_ERROR, `the metadata at ${source.href} could not be read (${describe(response)})`, { hint: 'Check the issuer URL.' });
  }
  let document: unknown;
  try {
    document = JSON.parse(response.body);
  } catch {
    throw new NetworkError(Code.DISCOVERY_INVALID, `the metadata at ${source.href} is not JSON (${describe(response)})`, {
      hint: 'Check the issuer URL: this looks like a web page or a proxy, not an authorization server.',
    });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new NetworkError(Code.DISCOVERY_INVALID, `the metadata at ${source.href} is not a JSON object`);
  }
  return parseMetadata(document as Record<string, unknown>, source);
}

function parseMetadata(document: Record<string, unknown>, source: URL): ServerMetadata {
  const wrong = (field: string, expected: string) =>
    new NetworkError(Code.DISCOVERY_INVALID, `the metadata at ${source.href} has an unusable ${field}: it must be ${expected}`, {
      hint: 'Report this to whoever runs the authorization server (RFC 8414 §2).',
    });
  if (typeof document.issuer !== 'string' || document.issuer === '') throw wrong('issuer', 'a URL string');
  const metadata: ServerMetadata = { issuer: document.issuer };
  for (const field of ENDPOINT_FIELDS) {
    const value = document[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value === '') throw wrong(field, 'a URL string');
    metadata[field] = value;
  }
  for (const field of LIST_FIELDS) {
    const value = document[field];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw wrong(field, 'a list of strings');
    metadata[field] = value as string[];
  }
  if (typeof document.authorization_response_iss_parameter_supported === 'boolean') {
    metadata.authorization_response_iss_parameter_supported = document.authorization_response_iss_parameter_supported;
  }
  return metadata;
}

export interface MetadataCheck {
  name: string;
  status: 'ok' | 'warning' | 'error';
  message: string;
}

/** The endpoint URL in a field, when it is a URL tokenctl may send a request to; undefined otherwise. */
export function endpointUrl(metadata: ServerMetadata, field: EndpointField): URL | undefined {
  const value = metadata[field];
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)) ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a support engineer would check before configuring single sign-on with this server. Pure:
 * `expectedIssuer` is the one asked for, exactly as given.
 */
export function checkMetadata(metadata: ServerMetadata, expectedIssuer: string): MetadataCheck[] {
  const checks: MetadataCheck[] = [];
  const add = (name: string, status: MetadataCheck['status'], message: string) => checks.push({ name, status, message });

  add(
    'issuer',
    metadata.issuer === expectedIssuer ? 'ok' : 'error',
    metadata.issuer === expectedIssuer
      ? `issuer is ${metadata.issuer}, as asked`
      : `the metadata names issuer ${metadata.issuer}, not ${expectedIssuer}: tokens would carry an iss clients reject (RFC 8414 §3.3)`,
  );
  for (const field of ENDPOINT_FIELDS) {
    const value = metadata[field];
    if (!value) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      add(field, 'error', `${field} is not a URL: ${JSON.stringify(value)}`);
      continue;
    }
    if (url.protocol === 'https:') continue;
    if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
      add(field, 'warning', `${field} is plain http on loopback (${url.origin}): fine for a local test server only`);
    } else {
      add(field, 'error', `${field} is not https (${url.origin}): credentials and tokens would cross the network in clear text`);
    }
  }
  let issuerUrl: URL | undefined;
  try {
    issuerUrl = new URL(metadata.issuer);
  } catch {
    add('issuer-url', 'error', `the issuer ${JSON.stringify(metadata.issuer)} is not a URL`);
  }
  if (issuerUrl && (issuerUrl.search || issuerUrl.hash)) add('issuer-url', 'error', 'the issuer URL must not have a query or fragment (RFC 8414 §2)');
  if (issuerUrl && issuerUrl.protocol !== 'https:' && !(issuerUrl.protocol === 'http:' && isLoopbackHost(issuerUrl.hostname))) {
    add('issuer-url', 'error', `the issuer is not https (${issuerUrl.origin})`);
  }

  const required: Array<[EndpointField | 'response_types_supported', string]> = [
    ['token_endpoint', 'no token endpoint: no grant can be used'],
    ['jwks_uri', 'no jwks_uri: nobody can verify the ID tokens and JWT access tokens this server signs'],
  ];
  const grants = metadata.grant_types_supported ?? ['authorization_code', 'implicit'];
  if (grants.includes('authorization_code')) required.push(['authorization_endpoint', 'no authorization endpoint: users cannot sign in with the authorization code flow']);
  for (const [field, problem] of required) {
    if (metadata[field] === undefined) add(field, 'error', problem);
  }
  if (!metadata.response_types_supported) add('response_types_supported', 'warning', 'response_types_supported is missing (required by OpenID Connect Discovery)');

  const pkce = metadata.code_challenge_methods_supported;
  if (grants.includes('authorization_code')) {
    if (!pkce) add('pkce', 'warning', 'the server does not say whether it supports PKCE (code_challenge_methods_supported); tokenctl always sends S256');
    else if (!pkce.includes('S256')) add('pkce', 'error', `the server does not support PKCE with S256 (it lists ${pkce.join(', ') || 'nothing'})`);
    else add('pkce', 'ok', 'PKCE with S256 is supported');
  }
  const algs = metadata.id_token_signing_alg_values_supported;
  if (algs?.includes('none')) add('id_token_signing_alg_values_supported', 'warning', 'the server may issue unsigned ID tokens (alg none)');
  const authMethods = metadata.token_endpoint_auth_methods_supported;
  if (authMethods && authMethods.length === 0) add('token_endpoint_auth_methods_supported', 'warning', 'the server lists no client authentication method');
  if (grants.includes('refresh_token') && metadata.scopes_supported && !metadata.scopes_supported.includes('offline_access')) {
    add('offline_access', 'warning', 'refresh tokens are supported but offline_access is not a listed scope; refresh tokens may need another scope on this server');
  }
  return checks;
}

/** The first failed check as an error, for flows (login, configure) that need sound metadata. */
export function requireSoundMetadata(metadata: ServerMetadata, expectedIssuer: string, source: URL): ServerMetadata {
  const failed = checkMetadata(metadata, expectedIssuer).find((check) => check.status === 'error' && check.name === 'issuer');
  if (failed) {
    throw new NetworkError(Code.DISCOVERY_ISSUER_MISMATCH, `${source.href}: ${failed.message}`, {
      hint: 'Give --issuer exactly as the server spells it (scheme, host, path, trailing slash). tokenctl discover --issuer URL shows what it says.',
    });
  }
  return metadata;
}

/** The URL of an endpoint the flow needs, or an error naming the field and what to do instead. */
export function requireEndpoint(metadata: ServerMetadata, field: EndpointField, flag: string): URL {
  const value = metadata[field];
  if (!value) {
    throw new UsageError(Code.ENDPOINT_NOT_ADVERTISED, `${metadata.issuer} does not advertise a ${field.replace(/_/g, ' ')}`, {
      hint: `Give it with ${flag}, if the server has one.`,
    });
  }
  const url = endpointUrl(metadata, field);
  if (!url) {
    throw new NetworkError(Code.DISCOVERY_INVALID, `the ${field} of ${metadata.issuer} is not an https URL: ${JSON.stringify(value)}`, {
      hint: 'tokenctl sends tokens and credentials only over https (plain http only to loopback).',
    });
  }
  return url;
}

/** Fetches the metadata of an issuer: the first location that is not a 404. */
export async function discover(issuer: URL, get: (url: URL) => Promise<RawResponse>): Promise<{ metadata: ServerMetadata; source: URL }> {
  const urls = discoveryUrls(issuer);
  for (const url of urls) {
    const metadata = processDiscoveryResponse(await get(url), url);
    if (metadata) return { metadata, source: url };
  }
  throw new NetworkError(Code.DISCOVERY_NOT_FOUND, `no metadata found for issuer ${issuer.href}`, {
    hint: `Tried ${urls.map((u) => u.href).join(' and ')}. Check the issuer URL.`,
  });
}
