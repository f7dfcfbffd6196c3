import { basename } from 'node:path';
import { Code, UsageError } from '../errors.js';
import { ASSERTION_ALGORITHMS, AUTH_METHODS, CLOUD_NAMES, CREDENTIAL_KINDS, GRANTS, SECONDS_RANGES, STORE_KINDS, type CredentialKind, type StoreKind } from '../choices.js';
import type { RequestSettings } from '../oauth/settings.js';
import { isValidProfileName, PROFILE_NAME_RULE } from './paths.js';

export const PROFILE_SCHEMA_VERSION = 1;
export const PROFILE_PROVIDERS = ['entra', 'generic'] as const;

/** A saved profile: one `profiles/NAME.json`, plain data and never a secret. */
export interface Profile {
  schemaVersion: typeof PROFILE_SCHEMA_VERSION;
  name: string;
  provider: (typeof PROFILE_PROVIDERS)[number];
  /** Never a secret. */
  settings: RequestSettings;
  store: StoreKind;
  credential: CredentialKind;
  /**
   * Accounts in the secret store holding this profile's secrets, e.g. "erp:client-secret:3f9a…" — a new
   * account per new secret so a profile file and its secret always change together (the profile is
   * rewritten atomically to point at the new account, then the old one is deleted).
   */
  secretAccounts: { clientSecret?: string; certificatePassword?: string; certificateKeyPassword?: string };
  /**
   * Command lines (run without a shell) that print a secret, used instead of a stored secret: what a
   * fleet keeps in a secret manager. A command is code, so it runs only from a file tokenctl trusts.
   */
  secretCommands?: { clientSecret?: string; certificatePassword?: string };
  expectations: { audience?: string; issuer?: string; roles?: string[]; scopes?: string[] };
  /** ISO date the client secret expires, if the user recorded it. */
  secretExpiresAt?: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  updatedAt: string;
  /** ISO 8601. */
  lastValidatedAt?: string;
}

/** Reads one field: returns it typed, or throws naming the field and the file. */
type Check<T> = (value: unknown, field: string, path: string) => T;
/** One check per field, so a field added to the type does not compile until it is checked here. */
type Checks<T> = { [K in keyof T]-?: Check<Exclude<T[K], undefined>> };

const fixHint = (path: string) => `Correct it in ${path}, or move the file aside and run tokenctl configure -p ${basename(path, '.json')} to create the profile again.`;

function invalid(path: string, field: string, problem: string): UsageError {
  return new UsageError(Code.PROFILE_FILE_INVALID, `${path}: ${field || 'the profile'} ${problem}`, { hint: fixHint(path) });
}

// Values are never quoted in messages: a value in the wrong field may be a pasted secret.
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const wrongType = (path: string, field: string, expected: string, value: unknown) => invalid(path, field, `must be ${expected}, not ${typeName(value)}`);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Names that carry secrets elsewhere: client_secret, password, access_token, api_key, client_assertion…
// Compared without case and punctuation, so clientSecret and CLIENT-SECRET are caught alike.
const SECRET_NAME = /(secret|password|passwd|passphrase|token|key|assertion)$/;
const looksSecret = (name: string) => SECRET_NAME.test(name.toLowerCase().replace(/[^a-z0-9]/g, ''));

function secretField(path: string, field: string): UsageError {
  return new UsageError(Code.PROFILE_SECRET_FIELD, `${path}: ${field} looks like a secret, and a profile never holds one: it is a plain file`, {
    hint: `Remove it from the file, and rotate the secret if it was a real one. tokenctl configure -p ${basename(path, '.json')} keeps secrets in the keychain.`,
  });
}

/** The first key anywhere below `value` named like a secret; secretAccounts only names accounts. */
function findSecretField(value: unknown, field: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findSecretField(item, `${field}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (!isObject(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const childField = field ? `${field}.${key}` : key;
    if (looksSecret(key)) return childField;
    // secretAccounts names accounts and secretCommands command lines, under the secrets' own names.
    const found = childField === 'secretAccounts' || childField === 'secretCommands' ? undefined : findSecretField(child, childField);
    if (found) return found;
  }
  return undefined;
}

const string: Check<string> = (value, field, path) => {
  if (typeof value === 'string') return value;
  throw wrongType(path, field, 'a string', value);
};

const account: Check<string> = (value, field, path) => {
  if (typeof value === 'string' && value !== '') return value;
  throw wrongType(path, field, 'a non-empty string', value);
};

const commandLine: Check<string> = (value, field, path) => {
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw wrongType(path, field, 'a command line (a non-empty string)', value);
};

const boolean: Check<boolean> = (value, field, path) => {
  if (typeof value === 'boolean') return value;
  throw wrongType(path, field, 'true or false', value);
};

/** A whole number of seconds within its range: 1e308 in a hand-edited file is refused here, not at use. */
const secondsIn =
  ({ min, max }: { min: number; max: number }): Check<number> =>
  (value, field, path) => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    throw wrongType(path, field, `a whole number of seconds from ${min} to ${max}`, value);
  };

const port: Check<number> = (value, field, path) => {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) return value;
  throw wrongType(path, field, 'a port number (1 to 65535)', value);
};

const stringList: Check<string[]> = (value, field, path) => {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value];
  throw wrongType(path, field, 'a list of strings', value);
};

function oneOf<T extends string>(choices: readonly T[]): Check<T> {
  return (value, field, path) => {
    if (choices.includes(value as T)) return value as T;
    throw invalid(path, field, `must be one of ${choices.join(', ')}`);
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
const isoDate: Check<string> = (value, field, path) => {
  if (typeof value !== 'string') throw wrongType(path, field, 'an ISO 8601 date', value);
  if (ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw invalid(path, field, 'is not an ISO 8601 date such as 2027-03-31T00:00:00.000Z');
};

const params: Check<Array<[string, string]>> = (value, field, path) => {
  const isPair = (item: unknown): item is [string, string] => Array.isArray(item) && item.length === 2 && item.every((part) => typeof part === 'string');
  if (!Array.isArray(value) || !value.every(isPair)) throw wrongType(path, field, 'a list of [name, value] pairs of strings', value);
  const secret = value.findIndex(([name]) => looksSecret(name));
  if (secret !== -1) throw secretField(path, `${field}[${secret}]`);
  return value.map(([name, paramValue]) => [name, paramValue]);
};

function object<T extends object>(checks: Checks<T>, required: ReadonlyArray<keyof T & string> = []): Check<T> {
  return (value, field, path) => {
    if (!isObject(value)) throw wrongType(path, field, 'an object', value);
    const unknown = Object.keys(value).find((key) => !Object.hasOwn(checks, key));
    if (unknown !== undefined) throw invalid(path, field ? `${field}.${unknown}` : unknown, 'is not a field tokenctl knows');
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(checks) as Array<keyof T & string>) {
      const childField = field ? `${field}.${key}` : key;
      if (value[key] === undefined) {
        if (required.includes(key)) throw invalid(path, childField, 'is missing');
        continue;
      }
      result[key] = checks[key](value[key], childField, path);
    }
    return result as T;
  };
}

const SETTINGS_CHECKS: Checks<RequestSettings> = {
  tenant: string,
  cloud: oneOf(CLOUD_NAMES),
  authorityHost: string,
  tokenUrl: string,
  issuer: string,
  clientId: string,
  authMethod: oneOf(AUTH_METHODS),
  scopes: stringList,
  resources: stringList,
  audience: string,
  params,
  certificatePath: string,
  privateKeyPath: string,
  certificateAlias: string,
  thumbprint: string,
  assertionAlgorithm: oneOf(ASSERTION_ALGORITHMS),
  sendX5c: boolean,
  assertionLifetimeSeconds: secondsIn(SECONDS_RANGES.assertionLifetime),
  assertionAudience: string,
  clientAssertionFile: string,
  timeoutSeconds: secondsIn(SECONDS_RANGES.timeout),
  proxy: string,
  caFile: string,
  grant: oneOf(GRANTS),
  redirectPort: port,
  redirectHost: oneOf(['127.0.0.1', 'localhost'] as const),
  authorizeUrl: string,
  deviceAuthorizationUrl: string,
  revocationUrl: string,
  introspectionUrl: string,
  userinfoUrl: string,
};

const ACCOUNT_CHECKS: Checks<Profile['secretAccounts']> = { clientSecret: account, certificatePassword: account, certificateKeyPassword: account };
const COMMAND_CHECKS: Checks<NonNullable<Profile['secretCommands']>> = { clientSecret: commandLine, certificatePassword: commandLine };
const EXPECTATION_CHECKS: Checks<Profile['expectations']> = { audience: string, issuer: string, roles: stringList, scopes: stringList };

// The order of these keys is the order of the fields in the file.
const PROFILE_CHECKS: Checks<Profile> = {
  schemaVersion: (value, field, path) => {
    if (value === PROFILE_SCHEMA_VERSION) return PROFILE_SCHEMA_VERSION;
    throw invalid(path, field, `must be ${PROFILE_SCHEMA_VERSION}`);
  },
  name: (value, field, path) => {
    if (typeof value === 'string' && isValidProfileName(value)) return value;
    throw invalid(path, field, `must be a profile name: ${PROFILE_NAME_RULE}`);
  },
  provider: oneOf(PROFILE_PROVIDERS),
  settings: object(SETTINGS_CHECKS),
  store: oneOf(STORE_KINDS),
  credential: oneOf(CREDENTIAL_KINDS),
  secretAccounts: object(ACCOUNT_CHECKS),
  secretCommands: object(COMMAND_CHECKS),
  expectations: object(EXPECTATION_CHECKS),
  secretExpiresAt: isoDate,
  createdAt: isoDate,
  updatedAt: isoDate,
  lastValidatedAt: isoDate,
};
const readProfile = object(PROFILE_CHECKS, ['schemaVersion', 'name', 'provider', 'settings', 'store', 'credential', 'secretAccounts', 'expectations', 'createdAt', 'updatedAt']);

/**
 * Validates parsed JSON as a profile, strictly: an unknown or mistyped field is an error naming it and
 * `path` (used only in messages), and so is anything named like a secret.
 */
export function parseProfile(json: unknown, path: string): Profile {
  const version = isObject(json) ? json.schemaVersion : undefined;
  if (typeof version === 'number' && Number.isInteger(version) && version > PROFILE_SCHEMA_VERSION) {
    throw new UsageError(Code.PROFILE_SCHEMA_UNSUPPORTED, `${path} was written by a newer tokenctl: profile schema ${version}, and this one reads schema ${PROFILE_SCHEMA_VERSION}`, {
      hint: 'Upgrade tokenctl to use this profile; this version leaves the file as it is.',
    });
  }
  const secret = findSecretField(json, '');
  if (secret !== undefined) throw secretField(path, secret);
  return readProfile(json, '', path);
}

/** The defined members, the known fields in schema order, then any others sorted (parseProfile refuses those). */
function inOrder(value: object, checks: object): Record<string, unknown> {
  const known = Object.keys(checks);
  const rank = (key: string) => (known.includes(key) ? known.indexOf(key) : known.length);
  const entries = Object.entries(value).filter(([, member]) => member !== undefined);
  entries.sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/** The file's text: fields in a fixed order, so rewriting an unchanged profile changes nothing. */
export function serializeProfile(profile: Profile): string {
  const document = {
    ...inOrder(profile, PROFILE_CHECKS),
    settings: inOrder(profile.settings, SETTINGS_CHECKS),
    secretAccounts: inOrder(profile.secretAccounts, ACCOUNT_CHECKS),
    ...(profile.secretCommands ? { secretCommands: inOrder(profile.secretCommands, COMMAND_CHECKS) } : {}),
    expectations: inOrder(profile.expectations, EXPECTATION_CHECKS),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
