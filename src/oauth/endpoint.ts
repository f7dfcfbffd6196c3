import { Code, NetworkError, UsageError } from '../errors.js';
import { parseEndpointUrl } from '../http/url-policy.js';
import { CLOUDS } from '../choices.js';
import type { RequestSettings } from './settings.js';

export type Endpoint =
  | { provider: 'entra'; tokenUrl: URL; tenant: string; authorityHost: URL }
  | { provider: 'generic'; tokenUrl: URL; issuer?: string; authMethodsSupported?: string[] };

/** An endpoint, or the issuer whose metadata will name it. */
export type EndpointPlan = Endpoint | { provider: 'generic'; discover: true; issuer: string; issuerUrl: URL };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const MULTI_TENANT_ALIASES = ['common', 'organizations', 'consumers'];

export function checkTenant(tenant: string): string {
  const value = tenant.trim();
  if (MULTI_TENANT_ALIASES.includes(value.toLowerCase())) {
    throw new UsageError(Code.TENANT_NOT_ALLOWED, `"${value}" is not a tenant: the client-credentials flow needs the app's own tenant`, {
      hint: 'Use the Directory (tenant) ID from the app registration\'s Overview page, or a verified domain such as contoso.onmicrosoft.com.',
    });
  }
  if (!GUID.test(value) && !DOMAIN.test(value)) {
    throw new UsageError(Code.TENANT_INVALID, `--tenant must be a tenant ID (a GUID) or a domain name, not ${JSON.stringify(tenant)}`, {
      hint: 'Find the Directory (tenant) ID on the app registration\'s Overview page in the Entra admin center.',
    });
  }
  return value;
}

/** Decides, without any I/O, where the token request goes. */
export function planEndpoint(settings: RequestSettings): EndpointPlan {
  const chosen = [settings.tenant && '--tenant', settings.tokenUrl && '--token-url', settings.issuer && '--issuer'].filter(Boolean);
  if (chosen.length > 1) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, `${chosen.join(' and ')} cannot be used together`, {
      hint: 'Use --tenant for Entra ID, --token-url for any other server, or --issuer to discover its token URL.',
    });
  }
  if (settings.tenant) {
    if (settings.cloud && settings.authorityHost) {
      throw new UsageError(Code.CONFLICTING_OPTIONS, '--cloud and --authority-host cannot be used together', { hint: 'Give one of them.' });
    }
    const authorityHost = parseEndpointUrl(settings.authorityHost ?? CLOUDS[settings.cloud ?? 'public'], '--authority-host');
    const tenant = checkTenant(settings.tenant);
    const base = authorityHost.href.replace(/\/+$/, '');
    return { provider: 'entra', tenant, authorityHost, tokenUrl: new URL(`${base}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`) };
  }
  if (settings.tokenUrl) return { provider: 'generic', tokenUrl: parseEndpointUrl(settings.tokenUrl, '--token-url') };
  if (settings.issuer) return { provider: 'generic', discover: true, issuer: settings.issuer, issuerUrl: parseEndpointUrl(settings.issuer, '--issuer') };
  throw new UsageError(Code.NO_ENDPOINT, 'no token endpoint: give --tenant (Entra ID), --token-url, or --issuer', {
    hint: 'For Entra ID: --tenant <tenant ID or domain>. For other servers: --token-url https://… or --issuer https://… to discover it.',
  });
}

/** OpenID Connect discovery first, then RFC 8414 (which puts the well-known segment before the path). */
export function metadataUrls(issuerUrl: URL): URL[] {
  const path = issuerUrl.pathname.replace(/\/+$/, '');
  return [
    new URL(`${issuerUrl.origin}${path}/.well-known/openid-configuration`),
    new URL(`${issuerUrl.origin}/.well-known/oauth-authorization-server${path}`),
  ];
}

/** Checks a discovery document: the issuer must be the one asked for, and name an acceptable token endpoint. */
export function endpointFromMetadata(document: unknown, issuer: string, source: URL): Endpoint {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new NetworkError(Code.DISCOVERY_INVALID, `the metadata at ${source.href} is not a JSON object`);
  }
  const metadata = document as Record<string, unknown>;
  if (metadata.issuer !== issuer) {
    throw new NetworkError(Code.DISCOVERY_ISSUER_MISMATCH, `the metadata at ${source.href} names issuer ${JSON.stringify(metadata.issuer)}, not ${JSON.stringify(issuer)}`, {
      hint: 'Give --issuer exactly as the server spells it (scheme, host, path, trailing slash), or use --token-url.',
    });
  }
  if (typeof metadata.token_endpoint !== 'string') {
    throw new NetworkError(Code.DISCOVERY_INVALID, `the metadata at ${source.href} has no token_endpoint`, { hint: 'Give the token URL with --token-url.' });
  }
  const methods = metadata.token_endpoint_auth_methods_supported;
  return {
    provider: 'generic',
    issuer,
    tokenUrl: parseEndpointUrl(metadata.token_endpoint, 'token_endpoint in the discovery metadata'),
    // RFC 8414: when absent, the default is client_secret_basic.
    authMethodsSupported: Array.isArray(methods) ? methods.filter((m): m is string => typeof m === 'string') : ['client_secret_basic'],
  };
}

/** Fetches the issuer's metadata; `getJson` returns undefined for a 404 so the next location is tried. */
export async function discoverEndpoint(plan: Extract<EndpointPlan, { discover: true }>, getJson: (url: URL) => Promise<unknown>): Promise<Endpoint> {
  const urls = metadataUrls(plan.issuerUrl);
  for (const url of urls) {
    const document = await getJson(url);
    if (document !== undefined) return endpointFromMetadata(document, plan.issuer, url);
  }
  throw new NetworkError(Code.DISCOVERY_NOT_FOUND, `no metadata found for issuer ${plan.issuer}`, {
    hint: `Tried ${urls.map((u) => u.href).join(' and ')}. Check the issuer URL, or give the token URL with --token-url.`,
  });
}
