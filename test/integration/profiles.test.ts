import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, makePkcs12 } from '../support/certs.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startEntraEmulator, type EntraEmulator } from '../support/entra-emulator.js';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { startOidcProvider, type OidcProviderHarness } from '../support/oidc-provider.js';

// A string that must never show up anywhere but in the keychain.
const CANARY = 'canary-S3cr3t-7f3a9c:+%';
const TENANT = '9660ad26-896d-4438-a013-e3ee23b57b7c';
const API_APP = 'cdc128ef-09ca-46ca-a349-57c0c248cad7';
const CERT_APP = '5b0e5c1a-6a8d-4c4f-9d57-2a1f1b7e0c11';
const CANARY_APP = '2974926a-0818-407b-a86c-b7616ce3a81a';

let keyring: TestKeyring;
let idp: OidcProviderHarness;
let entra: EntraEmulator;
let configDir: string;
let work: string;
const outputs: CliResult[] = [];

const env = (extra: Record<string, string | undefined> = {}) => ({ ...keyring.env, TOKENCTL_CONFIG_DIR: configDir, ...extra });
async function cli(args: string[], options: { input?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const result = await runCli(args, { input: options.input, env: env(options.env) });
  outputs.push(result);
  return result;
}
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));

beforeAll(async () => {
  keyring = await startKeyring();
  // Tokens must outlive the default --min-validity (300 s) to be served from the cache.
  idp = await startOidcProvider({ accessTokenTtlSeconds: 3600 });
  const cert = makeCertificate({ commonName: 'profile-client' });
  work = mkdtempSync(join(tmpdir(), 'tokenctl-profiles-'));
  writeFileSync(join(work, 'client.pem'), cert.certPem + cert.keyPem);
  writeFileSync(join(work, 'client.p12'), makePkcs12({ entries: [{ certPem: cert.certPem, keyPem: cert.keyPem, alias: 'cai' }], password: 'St0re-P@ss-9c1', keyPassword: 'K3y-P@ss-77d' }));
  entra = await startEntraEmulator({
    tenants: [{ id: TENANT, domains: ['contoso.onmicrosoft.com'] }],
    resources: [{ tenantId: TENANT, appId: API_APP, appIdUri: `api://${API_APP}`, displayName: 'Solver API' }],
    apps: [
      { tenantId: TENANT, clientId: CERT_APP, displayName: 'cert app', certificates: [cert.certPem], roles: { [API_APP]: ['Solver'] } },
      { tenantId: TENANT, clientId: CANARY_APP, displayName: 'secret app', secrets: [{ value: CANARY, secretId: '00000000-1111-2222-3333-444444444444' }], roles: { [API_APP]: ['Solver'] } },
    ],
  });
  configDir = mkdtempSync(join(tmpdir(), 'tokenctl-config-'));
});

afterAll(async () => {
  await entra?.close();
  await idp?.close();
  await keyring?.stop();
});

const entraArgs = () => ['--tenant', TENANT, '--authority-host', entra.authorityHost, '--ca-file', entra.caFile, '--resource', `api://${API_APP}`];

describe('a client-secret profile in the OS keychain (oidc-provider, client_secret_post)', () => {
  const name = 'erp';

  it('configure validates live, saves, and caches the fresh token', async () => {
    const before = idp.tokenRequests();
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const result = await cli(['configure', '-p', name, '--token-url', idp.tokenEndpoint, '--client-id', clientId, '--auth-method', 'client_secret_post', '--scope', 'read', '--client-secret-stdin'], {
      input: `${clientSecret}\n`,
    });
    // Not on a terminal: one line names where the credential went, nothing else.
    expect(result.stderr).toMatch(/^tokenctl: sending the [^\n]* to 127\.0\.0\.1\n$/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`saved profile ${name}`);
    expect(result.stdout).toContain('auth method  client_secret_post');
    expect(idp.tokenRequests()).toBe(before + 1);

    const file = join(configDir, 'profiles', `${name}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(configDir, 'profiles')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).not.toContain(clientSecret);
  });

  it('token -p is served from the cache: no request to the identity provider', async () => {
    const before = idp.tokenRequests();
    const result = await cli(['token', '-p', name, '-o', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ token_type: 'Bearer', cached: true });
    expect(idp.tokenRequests()).toBe(before);
  });

  it('--refresh and --no-cache go to the identity provider; TOKENCTL_PROFILE picks the profile', async () => {
    const before = idp.tokenRequests();
    const refreshed = await cli(['token', '--refresh', '-o', 'json'], { env: { TOKENCTL_PROFILE: name } });
    expect(JSON.parse(refreshed.stdout).cached).toBe(false);
    expect((await cli(['token', '-p', name, '--no-cache'])).code).toBe(0);
    expect(idp.tokenRequests()).toBe(before + 2);
    const cachedAfter = JSON.parse((await cli(['token', '-p', name, '-o', 'json'])).stdout);
    expect(cachedAfter).toMatchObject({ cached: true, access_token: JSON.parse(refreshed.stdout).access_token });
  });

  it('decode -p decodes the current token without a request', async () => {
    const before = idp.tokenRequests();
    const result = await cli(['decode', '-p', name, '--claim', 'client_id']);
    expect(result).toMatchObject({ code: 0, stdout: `${idp.clients.clientSecretPost.clientId}\n` });
    expect(idp.tokenRequests()).toBe(before);
  });

  it('validate makes a live request, leaves the cache alone, and records the time', async () => {
    const cacheFile = join(configDir, 'cache', `${name}.json`);
    const cacheBefore = readFileSync(cacheFile);
    const before = idp.tokenRequests();
    const result = await cli(['validate', '-p', name, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ profile: name, endpoint: idp.tokenEndpoint, authMethod: 'client_secret_post', status: 200, tokenType: 'Bearer' });
    expect(report.claims).toMatchObject({ client_id: idp.clients.clientSecretPost.clientId });
    expect(idp.tokenRequests()).toBe(before + 1);
    expect(readFileSync(cacheFile).equals(cacheBefore)).toBe(true);
    const show = JSON.parse((await cli(['show', '-p', name, '--json'])).stdout);
    expect(Date.now() - Date.parse(show.lastValidatedAt)).toBeLessThan(60_000);
    expect(show.secrets).toEqual({ clientSecret: 'stored in keychain' });
  });

  it('an expectation the token does not meet is exit 7: nothing on stdout in text, the whole report with the failures as a list with --json', async () => {
    const result = await cli(['validate', '-p', name, '--expect-aud', 'https://other.example.com']);
    expect(result).toMatchObject({ code: 7, stdout: '' });
    expect(result.stderr).toContain('expected "https://other.example.com"');
    const json = await cli(['validate', '-p', name, '--expect-aud', 'https://other.example.com', '--expect-scope', 'admin', '--json']);
    expect(json.code).toBe(7);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ profile: name, status: 200, tokenType: 'Bearer', claims: { client_id: idp.clients.clientSecretPost.clientId } });
    expect(report.expectations.failures).toEqual([
      { claim: 'aud', expected: 'https://other.example.com', actual: expect.anything(), why: expect.stringContaining('expected "https://other.example.com"') },
      { claim: 'scopes', expected: ['admin'], actual: expect.any(Array), why: expect.stringContaining('scopes lack admin') },
    ]);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'EXPECTATION_FAILED', exitCode: 7 });
  });

  it('configure --json likewise: the profile is saved, the report lists the failed expectations, exit 7', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const result = await cli(['configure', '-p', 'erp-expect', '--token-url', idp.tokenEndpoint, '--client-id', clientId, '--auth-method', 'client_secret_post', '--scope', 'read', '--client-secret-stdin', '--expect-scope', 'admin', '--json'], {
      input: `${clientSecret}\n`,
    });
    expect(result.code).toBe(7);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ profile: 'erp-expect', saved: true, validated: true });
    expect(report.expectationFailures).toEqual([{ claim: 'scopes', expected: ['admin'], actual: ['read'], why: expect.stringContaining('scopes lack admin (the token has read)') }]);
    expect(JSON.parse(result.stderr).error).toMatchObject({ code: 'EXPECTATION_FAILED', exitCode: 7, message: expect.stringContaining('was saved') });
    expect((await cli(['remove', '-p', 'erp-expect', '--yes'])).code).toBe(0);
  });

  it('a failed re-validation leaves the profile, its secret and its cached token exactly as they were', async () => {
    const files = ['profiles', 'cache'].map((d) => join(configDir, d, `${name}.json`));
    const before = files.map((f) => readFileSync(f));
    const result = await cli(['configure', '-p', name, '--client-secret-stdin'], { input: 'wrong-secret\n' });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('invalid_client');
    files.forEach((f, i) => expect(readFileSync(f).equals(before[i] as Buffer)).toBe(true));
    expect((await cli(['token', '-p', name, '--refresh'])).code).toBe(0);
  });

  it('updating changes only what is given and keeps the stored secret', async () => {
    const result = await cli(['configure', '-p', name, '--scope', 'write', '--expect-scope', 'write']);
    expect(result.code).toBe(0);
    const show = JSON.parse((await cli(['show', '-p', name, '--json'])).stdout);
    expect(show.settings).toMatchObject({ tokenUrl: idp.tokenEndpoint, scopes: ['write'], authMethod: 'client_secret_post' });
    expect(show.expectations).toEqual({ scopes: ['write'] });
    expect(show.cachedToken).toMatchObject({ matchesSettings: true });
  });

  it('list shows the profile with its cached-token expiry', async () => {
    const rows = JSON.parse((await cli(['list', '--json'])).stdout);
    expect(rows).toContainEqual(expect.objectContaining({ name, provider: 'generic', authMethod: 'client_secret_post', store: 'keychain', cachedTokenExpiresAt: expect.any(String) }));
    const table = await cli(['list']);
    expect(table.stdout).toMatch(/^NAME\s+PROVIDER\s+CLIENT ID/);
  });

  it('remove needs --yes without a terminal, then deletes profile, secret and cache', async () => {
    const refused = await cli(['remove', '-p', name]);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toContain('--yes');
    // A secret a crashed configure left behind (in the slot a rotation writes first) goes too.
    const orphan = spawnSync('secret-tool', ['store', '--label', 'orphan', 'service', 'tokenctl', 'account', `${name}:client-secret:2`, 'xdg:schema', 'org.freedesktop.Secret.Generic'], { env: { ...process.env, ...keyring.env }, input: 'left-behind' });
    expect(orphan.status).toBe(0);
    expect((await cli(['remove', '-p', name, '--yes'])).code).toBe(0);
    const lookup = spawnSync('secret-tool', ['lookup', 'service', 'tokenctl', 'account', `${name}:client-secret:2`], { env: { ...process.env, ...keyring.env }, encoding: 'utf8' });
    expect(lookup.stdout).toBe('');
    expect(readdirSync(join(configDir, 'profiles'))).not.toContain(`${name}.json`);
    expect(readdirSync(join(configDir, 'cache'))).not.toContain(`${name}.json`);
    const gone = await cli(['token', '-p', name]);
    expect(gone).toMatchObject({ code: 3, stdout: '' });
    expect((await cli(['remove', '-p', name, '--yes'])).code).toBe(3);
  });
});

describe('a certificate profile (Entra emulator)', () => {
  it('configure → token -p (cached) → decode -p → remove', async () => {
    const configure = await cli(['configure', '-p', 'erp-cert', ...entraArgs(), '--client-id', CERT_APP, '--certificate', join(work, 'client.pem'), '--expect-role', 'Solver']);
    // Not on a terminal: one line names where the credential went, nothing else.
    expect(configure.stderr).toMatch(/^tokenctl: sending the [^\n]* to 127\.0\.0\.1\n$/);
    expect(configure.code).toBe(0);
    expect(configure.stdout).toContain('auth method  private_key_jwt');
    expect(configure.stdout).toContain('roles');
    const requests = entra.requests.length;
    const token = await cli(['token', '-p', 'erp-cert']);
    expect(claims(token.stdout.trim())).toMatchObject({ azp: CERT_APP, azpacr: '2', roles: ['Solver'] });
    expect(entra.requests.length).toBe(requests);
    expect((await cli(['decode', '-p', 'erp-cert', '--claim', 'tid'])).stdout).toBe(`${TENANT}\n`);
    expect((await cli(['validate', '-p', 'erp-cert'])).code).toBe(0);
    expect((await cli(['remove', '-p', 'erp-cert', '--yes'])).code).toBe(0);
  });
});

describe('a PKCS#12 profile whose key password differs from the store password', () => {
  it('stores both passwords, and later requests need neither in the environment', async () => {
    const configure = await cli(['configure', '-p', 'cai', ...entraArgs(), '--client-id', CERT_APP, '--certificate', join(work, 'client.p12'), '--certificate-alias', 'cai', '--certificate-password-stdin'], {
      input: 'St0re-P@ss-9c1\n',
      env: { TOKENCTL_CERTIFICATE_KEY_PASSWORD: 'K3y-P@ss-77d' },
    });
    // Not on a terminal: one line names where the credential went, nothing else.
    expect(configure.stderr).toMatch(/^tokenctl: sending the [^\n]* to 127\.0\.0\.1\n$/);
    expect(configure.code).toBe(0);
    const show = JSON.parse((await cli(['show', '-p', 'cai', '--json'])).stdout);
    expect(show.secrets).toEqual({ certificatePassword: 'stored in keychain', certificateKeyPassword: 'stored in keychain' });
    expect((await cli(['token', '-p', 'cai', '--refresh'])).code).toBe(0);
    for (const file of filesUnder(configDir)) expect(readFileSync(file, 'latin1')).not.toMatch(/St0re-P@ss|K3y-P@ss/);
    expect((await cli(['remove', '-p', 'cai', '--yes'])).code).toBe(0);
  });
});

describe('secrets never leak', () => {
  it('the canary secret appears in no output, trace, config file or cache file', async () => {
    const configure = await cli(['configure', '-p', 'canary', ...entraArgs(), '--client-id', CANARY_APP, '--verbose'], { env: { TOKENCTL_CLIENT_SECRET: CANARY } });
    expect(configure.code).toBe(0);
    await cli(['token', '-p', 'canary', '--refresh', '--verbose', '-o', 'json']);
    await cli(['validate', '-p', 'canary', '--verbose', '--json']);
    await cli(['show', '-p', 'canary']);
    await cli(['show', '-p', 'canary', '--json']);
    await cli(['list', '--json']);
    await cli(['configure', '-p', 'canary', '--client-secret-stdin', '--verbose'], { input: 'not-the-canary' });
    for (const output of outputs) expect(`${output.stdout}${output.stderr}`).not.toContain(CANARY);
    for (const file of filesUnder(configDir)) expect(readFileSync(file, 'latin1')).not.toContain(CANARY);
    expect((await cli(['remove', '-p', 'canary', '--yes'])).code).toBe(0);
  });
});

describe('the encrypted file store', () => {
  it('works without a keychain, needs its passphrase, and never writes the secret in clear', async () => {
    const noKeychain = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent', TOKENCTL_PASSPHRASE: 'correct horse battery staple' };
    const configure = await cli(['configure', '-p', 'ci', ...entraArgs(), '--client-id', CANARY_APP, '--store', 'file'], { env: { ...noKeychain, TOKENCTL_CLIENT_SECRET: CANARY } });
    // Not on a terminal: one line names where the credential went, nothing else.
    expect(configure.stderr).toMatch(/^tokenctl: sending the [^\n]* to 127\.0\.0\.1\n$/);
    expect(configure.code).toBe(0);
    const token = await cli(['token', '-p', 'ci', '-o', 'json'], { env: noKeychain });
    expect(JSON.parse(token.stdout).cached).toBe(true);
    expect((await cli(['token', '-p', 'ci', '--refresh'], { env: noKeychain })).code).toBe(0);
    const wrong = await cli(['token', '-p', 'ci', '--refresh'], { env: { ...noKeychain, TOKENCTL_PASSPHRASE: 'wrong' } });
    expect(wrong).toMatchObject({ code: 4, stdout: '' });
    const missing = await cli(['token', '-p', 'ci', '--refresh'], { env: { ...noKeychain, TOKENCTL_PASSPHRASE: undefined } });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('TOKENCTL_PASSPHRASE');
    for (const file of filesUnder(configDir)) expect(readFileSync(file, 'latin1')).not.toContain(CANARY);
    expect((await cli(['remove', '-p', 'ci', '--yes'], { env: noKeychain })).code).toBe(0);
  });

  it('without a reachable keychain, the keychain store fails with exit 4 and names --store file', async () => {
    const result = await cli(['configure', '-p', 'nokeychain', ...entraArgs(), '--client-id', CANARY_APP], {
      env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent', TOKENCTL_CLIENT_SECRET: CANARY },
    });
    expect(result).toMatchObject({ code: 4, stdout: '' });
    expect(result.stderr).toContain('--store file');
    expect(readdirSync(join(configDir, 'profiles'))).not.toContain('nokeychain.json');
  });
});

describe('parallel pipelines', () => {
  it('50 simultaneous token -p on an empty cache make exactly one request, and all print the same token', async () => {
    const configure = await cli(['configure', '-p', 'fleet', ...entraArgs(), '--client-id', CANARY_APP, '--no-validate'], { env: { TOKENCTL_CLIENT_SECRET: CANARY } });
    expect(configure.code).toBe(0);
    const before = entra.requests.length;
    const results = await Promise.all(Array.from({ length: 50 }, () => runCli(['token', '-p', 'fleet'], { env: env(), timeoutMs: 60_000 })));
    expect(results.map((r) => r.code)).toEqual(Array(50).fill(0));
    expect(new Set(results.map((r) => r.stdout)).size).toBe(1);
    expect(entra.requests.length).toBe(before + 1);
  }, 90_000);
});

describe('a broken profile file', () => {
  it('is reported by list with its path and can still be removed', async () => {
    const file = join(configDir, 'profiles', 'broken.json');
    writeFileSync(file, '{"schemaVersion": 1, "name": ', { mode: 0o600 });
    const rows = JSON.parse((await cli(['list', '--json'])).stdout);
    expect(rows).toContainEqual({ name: 'broken', problem: expect.stringContaining(file) });
    expect((await cli(['token', '-p', 'broken'])).code).toBe(2);
    const removed = await cli(['remove', '-p', 'broken', '--yes']);
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain('profile broken is unreadable');
    expect(readdirSync(join(configDir, 'profiles'))).not.toContain('broken.json');
  });

  it('remove --all gets past a file not named like a profile: it is left in place, the rest removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenctl-remove-all-'));
    mkdirSync(join(dir, 'profiles'), { mode: 0o700 });
    writeFileSync(join(dir, 'profiles', 'not a profile.json'), '{}', { mode: 0o600 });
    writeFileSync(join(dir, 'profiles', 'zz-broken.json'), '{', { mode: 0o600 });
    const removed = await cli(['remove', '--all', '--yes'], { env: { TOKENCTL_CONFIG_DIR: dir } });
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain('not named like a profile');
    expect(readdirSync(join(dir, 'profiles'))).toEqual(['not a profile.json']);
  });
});

describe('profile names and missing profiles', () => {
  it('rejects a bad name (exit 2) and reports a missing profile (exit 3) with the next step', async () => {
    expect((await cli(['token', '-p', '../etc'])).code).toBe(2);
    const missing = await cli(['show', '-p', 'nope']);
    expect(missing).toMatchObject({ code: 3, stdout: '' });
    expect(missing.stderr).toContain('tokenctl configure -p nope');
  });

  it('token with no profile and no endpoint explains both ways forward (exit 3)', async () => {
    const result = await cli(['token']);
    expect(result).toMatchObject({ code: 3, stdout: '' });
    expect(result.stderr).toContain('no profile named default');
    expect(result.stderr).toContain('--token-url');
  });

  it('configure refuses a multi-tenant alias before asking for anything else (exit 2)', async () => {
    const result = await cli(['configure', '-p', 'alias', '--tenant', 'common', '--client-id', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"common" is not a tenant');
  });

  it('configure refuses a malformed --secret-expires before storing any secret (exit 2)', async () => {
    for (const date of ['2027-02-30', '5']) {
      const result = await cli(['configure', '-p', 'typo', '--store', 'file', '--token-url', 'https://idp.example.com/token', '--client-id', 'x', '--no-validate', '--secret-expires', date], {
        env: { TOKENCTL_CLIENT_SECRET: CANARY, TOKENCTL_PASSPHRASE: 'typo-pass' },
      });
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain('--secret-expires must be a date');
    }
    expect(filesUnder(configDir).filter((file) => file.includes('typo'))).toEqual([]);
  });

  it('configure without a terminal names the flag that is missing (exit 2)', async () => {
    const result = await cli(['configure', '-p', 'incomplete', '--client-id', 'x'], { env: { TOKENCTL_CLIENT_SECRET: 'x' } });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/--tenant|--token-url/);
  });
});
