import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExpiryDate } from '../../src/app/configure.js';
import { checkProfileName, configLayout, configRoot, resolveProfileName } from '../../src/profiles/paths.js';
import { parseProfile, PROFILE_SCHEMA_VERSION, serializeProfile, type Profile } from '../../src/profiles/profile.js';

const PATH = '/home/ada/.config/tokenctl/profiles/erp.json';

const full: Profile = {
  schemaVersion: PROFILE_SCHEMA_VERSION,
  name: 'erp',
  provider: 'entra',
  settings: {
    tenant: 'contoso.onmicrosoft.com',
    cloud: 'public',
    authorityHost: 'https://login.microsoftonline.com',
    tokenUrl: 'https://idp.example.com/token',
    issuer: 'https://idp.example.com',
    clientId: '2974926a-0818-407b-a86c-b7616ce3a81a',
    authMethod: 'client_secret_post',
    scopes: ['read', 'write'],
    resources: ['api://orders'],
    audience: 'https://api.example.com',
    params: [['prompt', 'none']],
    certificatePath: '/certs/erp.pfx',
    privateKeyPath: '/certs/erp.key',
    certificateAlias: 'erp',
    thumbprint: 'A1B2',
    assertionAlgorithm: 'PS256',
    sendX5c: true,
    assertionLifetimeSeconds: 300,
    assertionAudience: 'token-endpoint',
    clientAssertionFile: '/var/run/token',
    timeoutSeconds: 30,
    proxy: 'http://proxy:3128',
    caFile: '/certs/ca.pem',
  },
  store: 'keychain',
  credential: 'secret',
  secretAccounts: { clientSecret: 'erp:client-secret:3f9a12', certificatePassword: 'erp:certificate-password:77aa01' },
  expectations: { audience: 'api://orders', issuer: 'https://sts.windows.net/x/', roles: ['Orders.Read'], scopes: ['user_impersonation'] },
  secretExpiresAt: '2027-03-31T00:00:00.000Z',
  createdAt: '2025-01-02T03:04:05.000Z',
  updatedAt: '2025-01-02T03:04:05.000Z',
  lastValidatedAt: '2025-01-02T03:04:06.000Z',
};

const minimal: Profile = {
  schemaVersion: 1,
  name: 'min',
  provider: 'generic',
  settings: {},
  store: 'file',
  credential: 'federated',
  secretAccounts: {},
  expectations: {},
  createdAt: '2025-01-02T03:04:05.000Z',
  updatedAt: '2025-01-02T03:04:05.000Z',
};

/** Parsed JSON, loosely typed so a test can break any field. */
type Doc = Record<string, unknown> & { settings: Record<string, unknown>; secretAccounts: Record<string, unknown>; expectations: Record<string, unknown> };

/** The full profile as parsed JSON, with `change` applied to a deep copy. */
function document(change: (doc: Doc) => void): unknown {
  const doc = JSON.parse(JSON.stringify(full)) as Doc;
  change(doc);
  return doc;
}

describe('configRoot', () => {
  const home = '/home/ada';
  it('prefers TOKENCTL_CONFIG_DIR on every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32', 'freebsd'] as const) {
      expect(configRoot({ TOKENCTL_CONFIG_DIR: '/srv/tokenctl', XDG_CONFIG_HOME: '/xdg', APPDATA: 'C:\\AppData' }, platform, home)).toBe('/srv/tokenctl');
    }
  });
  it('refuses a relative TOKENCTL_CONFIG_DIR (it would name another directory after every cd)', () => {
    for (const dir of ['./c', 'c', '~/tokenctl']) {
      expect(() => configRoot({ TOKENCTL_CONFIG_DIR: dir }, 'linux', home)).toThrowError(expect.objectContaining({ code: 'CONFIG_DIR_RELATIVE', exitCode: 2 }));
    }
    expect(() => configRoot({ TOKENCTL_CONFIG_DIR: 'c' }, 'win32', home)).toThrowError(expect.objectContaining({ code: 'CONFIG_DIR_RELATIVE' }));
  });
  it('uses an absolute XDG_CONFIG_HOME on Linux and other Unixes, else ~/.config', () => {
    expect(configRoot({ XDG_CONFIG_HOME: '/xdg' }, 'linux', home)).toBe('/xdg/tokenctl');
    expect(configRoot({ XDG_CONFIG_HOME: '/xdg' }, 'freebsd', home)).toBe('/xdg/tokenctl');
    expect(configRoot({}, 'linux', home)).toBe('/home/ada/.config/tokenctl');
    expect(configRoot({ XDG_CONFIG_HOME: '' }, 'linux', home)).toBe('/home/ada/.config/tokenctl');
    expect(configRoot({ XDG_CONFIG_HOME: 'relative/xdg' }, 'linux', home)).toBe('/home/ada/.config/tokenctl');
    expect(configRoot({ TOKENCTL_CONFIG_DIR: '' }, 'openbsd', home)).toBe('/home/ada/.config/tokenctl');
  });
  it('uses Application Support on macOS, whatever XDG_CONFIG_HOME says', () => {
    expect(configRoot({ XDG_CONFIG_HOME: '/xdg' }, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Application Support/tokenctl');
  });
  it('uses %APPDATA% on Windows, else the roaming AppData under the home directory', () => {
    const winHome = 'C:\\Users\\ada';
    expect(configRoot({ APPDATA: 'D:\\Roaming' }, 'win32', winHome)).toBe('D:\\Roaming\\tokenctl');
    expect(configRoot({}, 'win32', winHome)).toBe('C:\\Users\\ada\\AppData\\Roaming\\tokenctl');
    expect(configRoot({ APPDATA: 'relative' }, 'win32', winHome)).toBe('C:\\Users\\ada\\AppData\\Roaming\\tokenctl');
  });
  it('lays out profiles, cache, locks and secrets under the root', () => {
    expect(configLayout('/cfg')).toEqual({ root: '/cfg', profilesDir: join('/cfg', 'profiles'), cacheDir: join('/cfg', 'cache'), locksDir: join('/cfg', 'locks'), secretsDir: join('/cfg', 'secrets') });
  });
});

describe('profile names', () => {
  it.each(['default', 'erp-prod', 'reltio_dev', 'orders.v2', 'A', '9lives', 'x'.repeat(64)])('accepts %j', (name) => {
    expect(checkProfileName(name)).toBe(name);
  });
  it.each(['', '.', '..', '.hidden', '-p', '_x', 'x'.repeat(65), 'a/b', 'a\\b', '../etc', 'a b', 'a:b', 'prod*', 'café', 'tab\t', 'nul\0'])('refuses %j, naming the rule', (name) => {
    expect(() => checkProfileName(name)).toThrowError(
      expect.objectContaining({ code: 'PROFILE_NAME_INVALID', exitCode: 2, message: expect.stringContaining('1 to 64 letters, digits, dots, underscores or hyphens') }),
    );
  });
  it('takes --profile, else TOKENCTL_PROFILE, else "default"', () => {
    expect(resolveProfileName('flag', { TOKENCTL_PROFILE: 'env' })).toBe('flag');
    expect(resolveProfileName(undefined, { TOKENCTL_PROFILE: 'env' })).toBe('env');
    expect(resolveProfileName(undefined, {})).toBe('default');
    expect(resolveProfileName(undefined, { TOKENCTL_PROFILE: '' })).toBe('default');
  });
  it('validates the name wherever it came from, and says where', () => {
    expect(() => resolveProfileName('../x', {})).toThrowError(expect.objectContaining({ code: 'PROFILE_NAME_INVALID', message: expect.stringMatching(/^--profile /) }));
    expect(() => resolveProfileName('', {})).toThrowError(expect.objectContaining({ code: 'PROFILE_NAME_INVALID' }));
    expect(() => resolveProfileName(undefined, { TOKENCTL_PROFILE: 'a b' })).toThrowError(expect.objectContaining({ code: 'PROFILE_NAME_INVALID', message: expect.stringMatching(/^TOKENCTL_PROFILE /) }));
  });
});

describe('parseProfile', () => {
  it('accepts a profile with every field, and one with only the required ones', () => {
    expect(parseProfile(JSON.parse(JSON.stringify(full)), PATH)).toEqual(full);
    expect(parseProfile(JSON.parse(JSON.stringify(minimal)), PATH)).toEqual(minimal);
  });

  it('accepts a date-only secretExpiresAt and offsets', () => {
    expect(parseProfile(document((d) => (d.secretExpiresAt = '2027-03-31')), PATH).secretExpiresAt).toBe('2027-03-31');
    expect(parseProfile(document((d) => (d.createdAt = '2025-01-02T03:04:05+02:00')), PATH).createdAt).toBe('2025-01-02T03:04:05+02:00');
  });

  it('tells to upgrade tokenctl for a newer schema', () => {
    expect(() => parseProfile(document((d) => (d.schemaVersion = 2)), PATH)).toThrowError(
      expect.objectContaining({ code: 'PROFILE_SCHEMA_UNSUPPORTED', exitCode: 2, message: expect.stringContaining(PATH), hint: expect.stringContaining('Upgrade tokenctl') }),
    );
  });

  const invalid: Array<[string, (d: Doc) => void, string]> = [
    ['schemaVersion missing', (d) => delete d.schemaVersion, 'schemaVersion is missing'],
    ['schemaVersion as a string', (d) => (d.schemaVersion = '1'), 'schemaVersion must be 1'],
    ['schemaVersion 0', (d) => (d.schemaVersion = 0), 'schemaVersion must be 1'],
    ['name missing', (d) => delete d.name, 'name is missing'],
    ['name not a profile name', (d) => (d.name = '../x'), 'name must be a profile name'],
    ['provider unknown', (d) => (d.provider = 'okta'), 'provider must be one of entra, generic'],
    ['store unknown', (d) => (d.store = 'vault'), 'store must be one of keychain, file'],
    ['credential unknown', (d) => (d.credential = 'password'), 'credential must be one of secret, certificate, federated'],
    ['settings a list', (d) => ((d as Record<string, unknown>).settings = []), 'settings must be an object, not a list'],
    ['settings null', (d) => ((d as Record<string, unknown>).settings = null), 'settings must be an object, not null'],
    ['settings.tenant a number', (d) => (d.settings.tenant = 42), 'settings.tenant must be a string, not a number'],
    ['settings.cloud unknown', (d) => (d.settings.cloud = 'mars'), 'settings.cloud must be one of public, usgov, china'],
    ['settings.authMethod unknown', (d) => (d.settings.authMethod = 'tls_client_auth'), 'settings.authMethod must be one of client_secret_basic'],
    ['settings.assertionAlgorithm unknown', (d) => (d.settings.assertionAlgorithm = 'HS256'), 'settings.assertionAlgorithm must be one of PS256, RS256'],
    ['settings.scopes a string', (d) => (d.settings.scopes = 'read write'), 'settings.scopes must be a list of strings, not a string'],
    ['settings.resources with a number', (d) => (d.settings.resources = ['a', 1]), 'settings.resources must be a list of strings'],
    ['settings.params not pairs', (d) => (d.settings.params = [['a']]), 'settings.params must be a list of [name, value] pairs of strings'],
    ['settings.params an object', (d) => (d.settings.params = { a: 'b' }), 'settings.params must be a list of [name, value] pairs'],
    ['settings.sendX5c a string', (d) => (d.settings.sendX5c = 'yes'), 'settings.sendX5c must be true or false, not a string'],
    ['settings.timeoutSeconds negative', (d) => (d.settings.timeoutSeconds = -1), 'settings.timeoutSeconds must be a whole number of seconds from 1 to 3600'],
    ['settings.timeoutSeconds beyond any timer', (d) => (d.settings.timeoutSeconds = 1e308), 'settings.timeoutSeconds must be a whole number of seconds from 1 to 3600'],
    ['settings.assertionLifetimeSeconds a string', (d) => (d.settings.assertionLifetimeSeconds = '300'), 'settings.assertionLifetimeSeconds must be a whole number of seconds from 1 to 600, not a string'],
    ['an unknown settings field', (d) => (d.settings.tokenURL = 'https://x'), 'settings.tokenURL is not a field tokenctl knows'],
    ['an unknown top-level field', (d) => (d.color = 'blue'), 'color is not a field tokenctl knows'],
    ['secretAccounts.clientSecret empty', (d) => (d.secretAccounts.clientSecret = ''), 'secretAccounts.clientSecret must be a non-empty string'],
    ['an unknown secretAccounts field', (d) => (d.secretAccounts.other = 'x'), 'secretAccounts.other is not a field tokenctl knows'],
    ['expectations.roles a string', (d) => (d.expectations.roles = 'Orders.Read'), 'expectations.roles must be a list of strings, not a string'],
    ['expectations missing', (d) => delete (d as Record<string, unknown>).expectations, 'expectations is missing'],
    ['createdAt not a date', (d) => (d.createdAt = 'yesterday'), 'createdAt is not an ISO 8601 date'],
    ['updatedAt a number', (d) => (d.updatedAt = 1735787045000), 'updatedAt must be an ISO 8601 date, not a number'],
    ['secretExpiresAt not a date', (d) => (d.secretExpiresAt = '2027-13-45'), 'secretExpiresAt is not an ISO 8601 date'],
  ];
  it.each(invalid)('refuses %s, naming the field and the file', (_, change, problem) => {
    expect(() => parseProfile(document(change), PATH)).toThrowError(
      expect.objectContaining({ code: 'PROFILE_FILE_INVALID', exitCode: 2, message: expect.stringContaining(`${PATH}: ${problem}`), hint: expect.stringContaining('tokenctl configure -p erp') }),
    );
  });

  it.each([
    ['not an object', []],
    ['null', null],
    ['a string', 'erp'],
  ])('refuses a document that is %s', (_, json) => {
    expect(() => parseProfile(json, PATH)).toThrowError(expect.objectContaining({ code: 'PROFILE_FILE_INVALID', message: expect.stringContaining('the profile must be an object') }));
  });

  const secrets: Array<[string, (d: Doc) => void, string]> = [
    ['settings.clientSecret', (d) => (d.settings.clientSecret = 'hunter2'), 'settings.clientSecret'],
    ['settings.client_secret', (d) => (d.settings.client_secret = 'hunter2'), 'settings.client_secret'],
    ['settings.password', (d) => (d.settings.password = 'hunter2'), 'settings.password'],
    ['settings.secret', (d) => (d.settings.secret = 'hunter2'), 'settings.secret'],
    ['settings.CLIENT-SECRET', (d) => (d.settings['CLIENT-SECRET'] = 'hunter2'), 'settings.CLIENT-SECRET'],
    ['settings.certificatePassword', (d) => (d.settings.certificatePassword = 'hunter2'), 'settings.certificatePassword'],
    ['settings.access_token', (d) => (d.settings.access_token = 'hunter2'), 'settings.access_token'],
    ['settings.privateKey', (d) => (d.settings.privateKey = 'hunter2'), 'settings.privateKey'],
    ['a secret nested in settings', (d) => (d.settings.extra = { deeper: [{ password: 'hunter2' }] }), 'settings.extra.deeper[0].password'],
    ['a client_secret body parameter', (d) => (d.settings.params = [['prompt', 'none'], ['client_secret', 'hunter2']]), 'settings.params[1]'],
    ['an api_key body parameter', (d) => (d.settings.params = [['api_key', 'hunter2']]), 'settings.params[0]'],
    ['a top-level clientSecret', (d) => (d.clientSecret = 'hunter2'), 'clientSecret'],
    ['a secret in expectations', (d) => (d.expectations.token = 'hunter2'), 'expectations.token'],
  ];
  it.each(secrets)('refuses a secret-looking key: %s, without repeating its value', (_, change, field) => {
    let caught: unknown;
    try {
      parseProfile(document(change), PATH);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'PROFILE_SECRET_FIELD', exitCode: 2, message: expect.stringContaining(`${PATH}: ${field} looks like a secret`) });
    expect(JSON.stringify({ ...(caught as object), message: (caught as Error).message })).not.toContain('hunter2');
  });

  it('never quotes a value in a message: it may be a secret pasted into the wrong field', () => {
    expect(() => parseProfile(document((d) => (d.settings.clientId = ['hunter2'])), PATH)).toThrowError(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
    expect(() => parseProfile(document((d) => (d.settings.cloud = 'hunter2')), PATH)).toThrowError(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});

describe('serializeProfile', () => {
  it('round-trips through parseProfile', () => {
    expect(parseProfile(JSON.parse(serializeProfile(full)), PATH)).toEqual(full);
    expect(parseProfile(JSON.parse(serializeProfile(minimal)), PATH)).toEqual(minimal);
  });

  it('writes 2-space JSON with a trailing newline, fields in schema order whatever the object order', () => {
    const text = serializeProfile(full);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "schemaVersion": 1,\n  "name": "erp",\n  "provider": "entra",\n  "settings": {\n    "tenant"');
    const reversed = Object.fromEntries(Object.entries(full).reverse().map(([key, value]) => [key, value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value]));
    expect(serializeProfile(reversed as unknown as Profile)).toBe(text);
    expect(Object.keys(JSON.parse(text))).toEqual(['schemaVersion', 'name', 'provider', 'settings', 'store', 'credential', 'secretAccounts', 'expectations', 'secretExpiresAt', 'createdAt', 'updatedAt', 'lastValidatedAt']);
  });

  it('leaves out members that are undefined', () => {
    const text = serializeProfile({ ...minimal, lastValidatedAt: undefined, settings: { tenant: 'contoso.com', clientId: undefined } } as Profile);
    expect(JSON.parse(text)).not.toHaveProperty('lastValidatedAt');
    expect(JSON.parse(text).settings).toEqual({ tenant: 'contoso.com' });
  });
});

describe('parseExpiryDate (--secret-expires)', () => {
  it('takes YYYY-MM-DD as midnight UTC, and a full ISO 8601 date-time', () => {
    expect(parseExpiryDate('2027-05-31')).toBe('2027-05-31T00:00:00.000Z');
    expect(parseExpiryDate('2028-02-29')).toBe('2028-02-29T00:00:00.000Z');
    expect(parseExpiryDate('2027-05-31T10:00:00+02:00')).toBe('2027-05-31T08:00:00.000Z');
  });
  it('refuses what Date would guess at or roll over', () => {
    for (const value of ['5', '2027-02-30', '2027-13-01', 'May 3', '12/31/2027', '', 'garbage']) {
      expect(() => parseExpiryDate(value), value).toThrowError(expect.objectContaining({ code: 'DATE_INVALID' }));
    }
  });
});
