import { isAbsolute, resolve } from 'node:path';
import { Code, UsageError } from '../errors.js';
import { SECONDS_RANGES, type AssertionAlgorithm, type AuthMethod, type Cloud, type CredentialKind, type ProfileGrant } from '../choices.js';

/**
 * Everything that shapes a token request, and nothing secret: what flags, the environment and (later)
 * a saved profile provide. Plain data, so it can be merged, stored and compared.
 */
export interface RequestSettings {
  tenant?: string;
  cloud?: Cloud;
  authorityHost?: string;
  tokenUrl?: string;
  issuer?: string;
  clientId?: string;
  authMethod?: AuthMethod;
  scopes?: string[];
  resources?: string[];
  audience?: string;
  params?: Array<[string, string]>;
  certificatePath?: string;
  privateKeyPath?: string;
  certificateAlias?: string;
  thumbprint?: string;
  assertionAlgorithm?: AssertionAlgorithm;
  sendX5c?: boolean;
  assertionLifetimeSeconds?: number;
  /** `token-endpoint`, `issuer`, or a URL. */
  assertionAudience?: string;
  clientAssertionFile?: string;
  timeoutSeconds?: number;
  proxy?: string;
  caFile?: string;
  /** How tokens are obtained: as the app (client_credentials, the default) or for a user who signs in. */
  grant?: ProfileGrant;
  /** The loopback redirect's port (0 or absent: any free port) and host name (127.0.0.1 or localhost). */
  redirectPort?: number;
  redirectHost?: '127.0.0.1' | 'localhost';
  /** Endpoints given explicitly; otherwise from the issuer's metadata (or Entra's tenant). */
  authorizeUrl?: string;
  deviceAuthorizationUrl?: string;
  revocationUrl?: string;
  introspectionUrl?: string;
  userinfoUrl?: string;
}

export const DEFAULTS = {
  timeoutSeconds: 30,
  maxTimeoutSeconds: SECONDS_RANGES.timeout.max,
  assertionLifetimeSeconds: 300,
  maxAssertionLifetimeSeconds: SECONDS_RANGES.assertionLifetime.max,
} as const;

/** The bound on the whole command, from --timeout or the profile: a whole number of seconds, 1 to 3600. */
export function timeoutMs(settings: RequestSettings): number {
  const seconds = settings.timeoutSeconds ?? DEFAULTS.timeoutSeconds;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > DEFAULTS.maxTimeoutSeconds) {
    throw new UsageError(Code.TIMEOUT_INVALID, `the timeout must be a whole number of seconds from 1 to ${DEFAULTS.maxTimeoutSeconds}, not ${seconds}`, {
      hint: `Set --timeout (or the profile's timeoutSeconds) to at most ${DEFAULTS.maxTimeoutSeconds}; the default is ${DEFAULTS.timeoutSeconds}.`,
    });
  }
  return seconds * 1000;
}

/**
 * The Azure SDK conventions, so a pod or CI job with workload identity federation needs no secret:
 * AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_AUTHORITY_HOST and AZURE_FEDERATED_TOKEN_FILE.
 */
export function settingsFromEnvironment(env: Record<string, string | undefined>): RequestSettings {
  const settings: RequestSettings = {};
  if (env.AZURE_CLIENT_ID) settings.clientId = env.AZURE_CLIENT_ID;
  if (env.AZURE_TENANT_ID) settings.tenant = env.AZURE_TENANT_ID;
  if (env.AZURE_AUTHORITY_HOST) settings.authorityHost = env.AZURE_AUTHORITY_HOST;
  if (env.AZURE_FEDERATED_TOKEN_FILE) settings.clientAssertionFile = env.AZURE_FEDERATED_TOKEN_FILE;
  return settings;
}

/** Where the token comes from: a tenant means Entra ID, a token URL or issuer a generic server. */
const ENDPOINT_KEYS = ['tenant', 'tokenUrl', 'issuer'] as const;
/** How the client proves itself: one kind of credential, never a mix from different layers. */
const CREDENTIAL_KEYS = ['certificatePath', 'clientAssertionFile'] as const;
/** Details of a certificate: they belong to the certificate of their own layer or a lower one. */
const CERTIFICATE_DETAIL_KEYS = ['privateKeyPath', 'certificateAlias', 'thumbprint'] as const;

function pick<T extends object>(settings: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(settings).filter(([key, value]) => keys.includes(key) && value !== undefined)) as Partial<T>;
}

function definedOnly<T extends object>(settings: T): Partial<T> {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * Merges layers, highest precedence first (flags, then environment, then profile). The endpoint and
 * the credential are each taken whole from the highest layer that names one, so `--token-url` on the
 * command line is never mixed with a tenant from AZURE_TENANT_ID, nor a certificate with a federated
 * token file. A certificate's details (key, alias, thumbprint) may come from a higher layer (`-p erp
 * --thumbprint …`), never from below a newly given certificate, where they describe the old one.
 */
export function mergeSettings(...layers: RequestSettings[]): RequestSettings {
  const merged: RequestSettings = {};
  for (const layer of [...layers].reverse()) Object.assign(merged, definedOnly(layer));
  const endpointLayer = layers.find((layer) => Object.keys(pick(layer, ENDPOINT_KEYS)).length > 0);
  const credentialIndex = layers.findIndex((layer) => Object.keys(pick(layer, CREDENTIAL_KEYS)).length > 0);
  const credentialLayer = layers[credentialIndex];
  const detailLayers = credentialIndex === -1 ? layers : layers.slice(0, credentialIndex + 1);
  const details: RequestSettings = {};
  for (const layer of [...detailLayers].reverse()) Object.assign(details, pick(layer, CERTIFICATE_DETAIL_KEYS));
  for (const key of [...ENDPOINT_KEYS, ...CREDENTIAL_KEYS, ...CERTIFICATE_DETAIL_KEYS]) delete merged[key];
  return {
    ...merged,
    ...(endpointLayer ? pick(endpointLayer, ENDPOINT_KEYS) : {}),
    ...(credentialLayer ? pick(credentialLayer, CREDENTIAL_KEYS) : {}),
    ...details,
  };
}

/** How the client these settings describe proves itself. */
/** True for a grant where a user signs in (and a refresh token renews the token), not the client alone. */
export function isUserGrant(settings: RequestSettings): boolean {
  return settings.grant === 'authorization_code' || settings.grant === 'device_code';
}

export function credentialKind(settings: RequestSettings): CredentialKind {
  if (settings.authMethod === 'none') return 'none';
  if (settings.certificatePath) return 'certificate';
  if (settings.clientAssertionFile) return 'federated';
  return 'secret';
}

/** The settings that name files, with the flag that sets each. */
export const PATH_SETTINGS = {
  certificatePath: '--certificate',
  privateKeyPath: '--private-key',
  caFile: '--ca-file',
  clientAssertionFile: '--client-assertion-file',
} as const satisfies Partial<Record<keyof RequestSettings, string>>;

export type PathSetting = keyof typeof PATH_SETTINGS;

/**
 * The settings with every file path made absolute against `cwd`: a profile is used from cron, CI and
 * any other directory, so what it saves must not depend on where `configure` ran.
 */
export function withAbsolutePaths(settings: RequestSettings, cwd: string): RequestSettings {
  const result = { ...settings };
  for (const key of Object.keys(PATH_SETTINGS) as PathSetting[]) {
    const path = result[key];
    if (path !== undefined && path !== '') result[key] = resolve(cwd, path);
  }
  return result;
}

/** The file paths in these settings that are relative, each with its setting. */
export function relativePaths(settings: RequestSettings): Array<{ setting: PathSetting; path: string }> {
  return (Object.keys(PATH_SETTINGS) as PathSetting[]).flatMap((setting) => {
    const path = settings[setting];
    return path !== undefined && !isAbsolute(path) ? [{ setting, path }] : [];
  });
}
