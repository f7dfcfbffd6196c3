import { Code, UsageError } from '../errors.js';
import { parseEndpointUrl } from '../http/url-policy.js';
import { refuseSecretParameter } from '../secret-parameters.js';
import type { AssertionOptions, ClientCredential } from './client-auth.js';
import type { Grant } from './diagnose.js';
import type { Endpoint } from './endpoint.js';
import type { AuthMethod } from '../choices.js';
import { DEFAULTS, timeoutMs, type RequestSettings } from './settings.js';

/** A token request decided down to the last parameter, before any credential is applied. */
export interface TokenRequest {
  endpoint: Endpoint;
  clientId: string;
  authMethod: AuthMethod;
  credential: ClientCredential;
  /** grant_type, scope, resource, audience and extra parameters, in order. */
  form: Array<[string, string]>;
  assertion: AssertionOptions;
  timeoutMs: number;
  /** Things worth saying on stderr: nothing is wrong yet, but something may be. */
  warnings: string[];
  /** For a user sign-in grant: what its diagnoses need to name the fix. */
  grant?: UserGrant | undefined;
}

/** A grant on behalf of a user: its whole form (client authentication aside), decided by the sign-in flow. */
export interface UserGrant {
  kind: Exclude<Grant, 'client_credentials'>;
  form: Array<[string, string]>;
  redirectUri?: string | undefined;
  profile?: string | undefined;
}

const RESERVED_PARAMS = new Set(['grant_type', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type', 'scope', 'resource', 'audience']);
const DEFAULT_SUFFIX = '/.default';

function splitScopes(scopes: readonly string[] | undefined): string[] {
  return (scopes ?? []).flatMap((scope) => scope.split(/\s+/)).filter(Boolean);
}

const GRAPH_HOSTS = new Set(['graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn']);

/**
 * Splits an Entra scope or resource that names a permission (api://API/Orders.Read,
 * https://graph.microsoft.com/User.Read.All) into the API and the permission; undefined when it names an API.
 */
export function permissionPath(value: string): { resource: string; permission: string } | undefined {
  const bare = value.endsWith(DEFAULT_SUFFIX) ? value.slice(0, -DEFAULT_SUFFIX.length) : value;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]+/i.exec(bare);
  if (!scheme) return /^[A-Za-z][\w-]*(\.[\w-]+)+$/.test(bare) ? { resource: 'https://graph.microsoft.com', permission: bare } : undefined;
  const path = bare.slice(scheme[0].length).replace(/\/+$/, '');
  const last = path.split('/').at(-1) ?? '';
  if (last === '') return undefined;
  const host = scheme[0].replace(/^[^:]+:\/\//, '').toLowerCase();
  // Permission names: User.Read.All, Orders.ReadWrite, access_as_user, or a colon-separated custom scope.
  const looksLikePermission = GRAPH_HOSTS.has(host) || /^[A-Za-z][\w-]*(\.[\w-]+)+$/.test(last) || last.includes(':') || /^(access_as_user|user_impersonation)$/.test(last);
  return looksLikePermission ? { resource: `${scheme[0]}${path.slice(0, path.length - last.length).replace(/\/+$/, '')}`, permission: last } : undefined;
}

/** What --resource a permission-style scope probably meant, for the hint. */
function resourceOf(scope: string): string {
  if (!scope.includes('://')) return 'https://graph.microsoft.com';
  return permissionPath(scope)?.resource ?? scope.replace(/\/+$/, '');
}

/** Entra's client-credentials flow takes exactly one scope, RESOURCE/.default (AADSTS1002012, 70011). */
export function entraScope(settings: RequestSettings): string {
  for (const resource of settings.resources ?? []) {
    const named = permissionPath(resource);
    if (named) {
      throw new UsageError(Code.RESOURCE_IS_PERMISSION, `--resource ${resource} names a permission (${named.permission}), not an API: Entra ID would be asked for scope ${resource.endsWith(DEFAULT_SUFFIX) ? resource : `${resource}${DEFAULT_SUFFIX}`} and refuse it`, {
        hint: `Use --resource ${named.resource} (sent as scope ${named.resource}${DEFAULT_SUFFIX}); the permissions the token carries are the application permissions an admin granted, not a parameter of the request.`,
      });
    }
  }
  const fromResources = (settings.resources ?? []).map((resource) => (resource.endsWith(DEFAULT_SUFFIX) ? resource : `${resource}${DEFAULT_SUFFIX}`));
  const scopes = [...new Set([...fromResources, ...splitScopes(settings.scopes)])];
  const notDefault = scopes.find((scope) => !scope.endsWith(DEFAULT_SUFFIX));
  if (notDefault) {
    throw new UsageError(Code.ENTRA_SCOPE_NOT_DEFAULT, `Entra ID refuses the scope ${JSON.stringify(notDefault)} in the client-credentials flow (AADSTS1002012): it must be RESOURCE/.default`, {
      hint: `Ask for the whole API, e.g. --resource ${resourceOf(notDefault)}; the permissions the app gets are the application permissions an admin granted.`,
    });
  }
  if (scopes.length === 0) {
    throw new UsageError(Code.ENTRA_SCOPE_MISSING, 'Entra ID needs to know which API the token is for', {
      hint: 'Pass the API\'s Application ID URI with --resource, e.g. --resource api://cdc128ef-09ca-46ca-a349-57c0c248cad7 (sent as scope=…/.default).',
    });
  }
  if (scopes.length > 1) {
    throw new UsageError(Code.ENTRA_SCOPE_MULTIPLE, `Entra ID issues a token for one API at a time, but ${scopes.length} were asked for: ${scopes.join(', ')} (AADSTS70011)`, {
      hint: 'Request one token per API (one --resource each time).',
    });
  }
  return scopes[0] as string;
}

function chooseAuthMethod(settings: RequestSettings, endpoint: Endpoint, credential: ClientCredential): AuthMethod {
  const requested = settings.authMethod;
  if (credential.kind === 'none') return 'none';
  if (requested === 'none') {
    throw new UsageError(Code.AUTH_METHOD_MISMATCH, '--auth-method none is for public clients, but a client credential was given', {
      hint: 'A public client sends no secret or certificate: leave the credential out (configure --public-client).',
    });
  }
  if (credential.kind !== 'secret') {
    if (requested && requested !== 'private_key_jwt') {
      throw new UsageError(Code.AUTH_METHOD_MISMATCH, `--auth-method ${requested} needs a client secret, but the credential is ${credential.kind === 'certificate' ? 'a certificate' : 'a federated token file'}`, {
        hint: 'Certificates and federated tokens authenticate with private_key_jwt (a signed client assertion).',
      });
    }
    return 'private_key_jwt';
  }
  if (requested === 'private_key_jwt') {
    throw new UsageError(Code.AUTH_METHOD_MISMATCH, '--auth-method private_key_jwt needs a certificate (--certificate), not a client secret', {
      hint: 'Use client_secret_basic or client_secret_post with a secret.',
    });
  }
  if (requested) return requested;
  if (endpoint.provider === 'entra') return 'client_secret_post';
  const supported = endpoint.authMethodsSupported;
  return supported && !supported.includes('client_secret_basic') && supported.includes('client_secret_post') ? 'client_secret_post' : 'client_secret_basic';
}

function assertionAudience(settings: RequestSettings, endpoint: Endpoint): string {
  if (endpoint.provider === 'entra') return endpoint.tokenUrl.href;
  const choice = settings.assertionAudience ?? 'issuer-or-token-endpoint';
  if (choice === 'issuer-or-token-endpoint') return endpoint.issuer ?? endpoint.tokenUrl.href;
  if (choice === 'token-endpoint') return endpoint.tokenUrl.href;
  if (choice === 'issuer') {
    if (!endpoint.issuer) {
      throw new UsageError(Code.ISSUER_UNKNOWN, '--assertion-audience issuer needs the issuer: give --issuer instead of --token-url', {
        hint: 'Or pass the issuer URL itself: --assertion-audience https://idp.example.com',
      });
    }
    return endpoint.issuer;
  }
  return parseEndpointUrl(choice, '--assertion-audience').href;
}

function lifetime(settings: RequestSettings): number {
  const seconds = settings.assertionLifetimeSeconds ?? DEFAULTS.assertionLifetimeSeconds;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > DEFAULTS.maxAssertionLifetimeSeconds) {
    throw new UsageError(Code.ASSERTION_LIFETIME_INVALID, `--assertion-lifetime must be 1 to ${DEFAULTS.maxAssertionLifetimeSeconds} seconds, not ${seconds}`, {
      hint: 'Identity providers reject long-lived client assertions; the default is 300.',
    });
  }
  return seconds;
}

function clientCredentialsForm(settings: RequestSettings, endpoint: Endpoint): Array<[string, string]> {
  const form: Array<[string, string]> = [['grant_type', 'client_credentials']];
  if (endpoint.provider === 'entra') {
    if (settings.audience) {
      throw new UsageError(Code.ENTRA_AUDIENCE, 'Entra ID does not take --audience', { hint: `Name the API with --resource ${settings.audience} instead.` });
    }
    form.push(['scope', entraScope(settings)]);
  } else {
    const scopes = splitScopes(settings.scopes);
    if (scopes.length > 0) form.push(['scope', scopes.join(' ')]);
    for (const resource of settings.resources ?? []) form.push(['resource', resource]);
    if (settings.audience) form.push(['audience', settings.audience]);
  }
  for (const [name, value] of settings.params ?? []) {
    if (RESERVED_PARAMS.has(name)) {
      throw new UsageError(Code.PARAM_RESERVED, `--param cannot set ${name}: tokenctl sets it`, { hint: 'Use the dedicated option (--scope, --resource, --audience, --client-id).' });
    }
    // A profile's params too: a credential in a profile file is a credential in clear text.
    refuseSecretParameter(name);
    form.push([name, value]);
  }
  return form;
}

/**
 * Pure: every decision about the request, and every refusal that can be made before sending it. The
 * grant is client credentials unless a user grant (code, refresh, device code) is given.
 */
export function buildTokenRequest(settings: RequestSettings, endpoint: Endpoint, credential: ClientCredential, grant?: UserGrant): TokenRequest {
  const clientId = settings.clientId?.trim();
  if (!clientId) {
    throw new UsageError(Code.CLIENT_ID_MISSING, 'no client ID given', { hint: 'Pass --client-id (in Entra ID: the Application (client) ID), or set AZURE_CLIENT_ID.' });
  }
  const form = grant ? grant.form : clientCredentialsForm(settings, endpoint);
  const authMethod = chooseAuthMethod(settings, endpoint, credential);
  const warnings: string[] = [];
  if (endpoint.provider === 'generic' && endpoint.authMethodsSupported && !endpoint.authMethodsSupported.includes(authMethod)) {
    warnings.push(`the server does not advertise ${authMethod} (it lists ${endpoint.authMethodsSupported.join(', ')})`);
  }
  return {
    endpoint,
    clientId,
    authMethod,
    credential,
    form,
    assertion: {
      algorithm: settings.assertionAlgorithm ?? (endpoint.provider === 'entra' ? 'PS256' : 'RS256'),
      sendX5c: settings.sendX5c ?? false,
      lifetimeSeconds: lifetime(settings),
      audience: assertionAudience(settings, endpoint),
    },
    timeoutMs: timeoutMs(settings),
    warnings,
    ...(grant ? { grant } : {}),
  };
}
