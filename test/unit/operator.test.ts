import { describe, expect, it } from 'vitest';
import { checkConfig, checkKeychain, checkNetworkSettings, checkProfile, checkRuntime, describeProxy, worstStatus } from '../../src/doctor/checks.js';
import type { ClientCredential } from '../../src/oauth/client-auth.js';
import { curlCommand } from '../../src/oauth/curl.js';
import { planEndpoint, type Endpoint } from '../../src/oauth/endpoint.js';
import { buildTokenRequest } from '../../src/oauth/request.js';
import type { Profile } from '../../src/profiles/profile.js';
import { secretExpiryNotice } from '../../src/profiles/secret-expiry.js';
import { startSpinner } from '../../src/output/spinner.js';
import { fakeIo } from '../support/fake-io.js';

const now = new Date('2026-11-22T12:00:00Z');
const profile = (extra: Partial<Profile> = {}): Profile => ({
  schemaVersion: 1,
  name: 'erp',
  provider: 'entra',
  settings: { tenant: 'contoso.onmicrosoft.com', clientId: 'c', resources: ['api://x'] },
  store: 'keychain',
  credential: 'secret',
  secretAccounts: { clientSecret: 'erp:client-secret:1' },
  expectations: {},
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  ...extra,
});

describe('secret expiry', () => {
  it('warns within 30 days, explains AADSTS7000222 once expired, and is silent otherwise', () => {
    expect(secretExpiryNotice(profile({ secretExpiresAt: '2026-12-10T00:00:00.000Z' }), now)).toMatchObject({ level: 'warning', message: expect.stringContaining('expires in 18 days (2026-12-10)') });
    expect(secretExpiryNotice(profile({ secretExpiresAt: '2026-11-01T00:00:00.000Z' }), now)).toMatchObject({ level: 'problem', message: expect.stringContaining('AADSTS7000222') });
    expect(secretExpiryNotice(profile({ secretExpiresAt: '2027-06-01T00:00:00.000Z' }), now)).toBeUndefined();
    expect(secretExpiryNotice(profile(), now)).toBeUndefined();
    expect(secretExpiryNotice(profile({ credential: 'certificate', secretExpiresAt: '2026-11-01T00:00:00.000Z' }), now)).toBeUndefined();
  });
});

describe('doctor checks', () => {
  it('runtime: Node 20.18.1 or newer', () => {
    expect(checkRuntime('1.0.0', 'v20.20.2', 'linux', 'x64').status).toBe('ok');
    expect(checkRuntime('1.0.0', 'v22.1.0', 'linux', 'x64').status).toBe('ok');
    expect(checkRuntime('1.0.0', 'v20.18.0', 'linux', 'x64')).toMatchObject({ status: 'problem', fix: expect.stringContaining('20.18.1') });
    expect(checkRuntime('1.0.0', 'v18.20.0', 'linux', 'x64').status).toBe('problem');
  });
  it('config: a group-readable config dir and broken profile files are problems', () => {
    expect(checkConfig({ root: '/c', mode: 0o40700, profiles: [{ name: 'a' }], platform: 'linux' })).toEqual([{ area: 'config', status: 'ok', detail: 'config dir /c (0700), 1 profile' }]);
    const checks = checkConfig({ root: '/c', mode: 0o40755, profiles: [{ name: 'a', problem: 'not JSON' }], platform: 'linux' });
    expect(checks.map((c) => c.status)).toEqual(['problem', 'problem']);
    expect(checks[0]?.fix).toContain("chmod 700 '/c'");
  });
  it('keychain: its diagnosis and fix; a problem only when a profile needs it', () => {
    const error = { message: 'No D-Bus session bus', hint: 'run inside dbus-run-session, or --store file' };
    expect(checkKeychain({ backend: 'OS keychain', error }, true)).toMatchObject({ status: 'problem', fix: error.hint });
    expect(checkKeychain({ backend: 'OS keychain', error }, false).status).toBe('warning');
    expect(checkKeychain({ backend: 'OS keychain' }, true).status).toBe('ok');
  });
  it('network: proxy credentials are never shown; an unreadable NODE_EXTRA_CA_CERTS is a problem', () => {
    expect(describeProxy('http://user:pa55@proxy.corp:3128')).toBe('http://***@proxy.corp:3128');
    const checks = checkNetworkSettings({ HTTPS_PROXY: 'http://user:pa55@proxy.corp:3128', NO_PROXY: 'localhost', NODE_EXTRA_CA_CERTS: '/missing.pem' }, () => false);
    expect(JSON.stringify(checks)).not.toContain('pa55');
    expect(checks.map((c) => c.status)).toEqual(['ok', 'problem']);
  });
  it('profile: missing secret, expiring certificate with thumbprints, never validated, clock skew', () => {
    const checks = checkProfile(
      {
        profile: profile({ credential: 'certificate', secretAccounts: { certificatePassword: 'erp:certificate-password:1' } }),
        secrets: { certificatePassword: { state: 'missing' } },
        certificate: { subject: 'CN=erp', notAfter: new Date('2026-12-01T00:00:00Z'), thumbprintSha1: 'AB'.repeat(20), thumbprintSha256: 'CD'.repeat(32), warnings: ['certificate CN=erp expires in 9 days'] },
        clockOffset: { seconds: -400, host: 'login.example.com' },
      },
      now,
    );
    expect(checks.map((c) => [c.status, c.detail.split(/[,(]/)[0]?.trim()])).toEqual([
      ['problem', 'certificate password is missing from its store'],
      ['warning', 'certificate CN=erp'],
      ['warning', 'never validated'],
      ['ok', 'no cached token'],
      ['problem', 'clock 400 s behind login.example.com'],
    ]);
    expect(checks[1]?.detail).toContain(`SHA-1 thumbprint ${'AB'.repeat(20)}`);
    expect(worstStatus(checks)).toBe('problem');
  });
  it('sign-in profile: who is signed in and since when; nobody signed in is a warning with login, and no "never validated"; a refresh token issued elsewhere is a problem', () => {
    const signIn = profile({ provider: 'generic', settings: { grant: 'authorization_code', issuer: 'https://idp.example', clientId: 'cli', authMethod: 'none' }, credential: 'none', secretAccounts: {} });
    const signedIn = checkProfile({ profile: signIn, secrets: {}, signIn: { state: 'signed-in', signedInAt: '2026-11-22T09:30:00.000Z', user: 'ada' } }, now);
    expect(signedIn.map((c) => c.detail)).toContain('signed in as ada since 2026-11-22 09:30Z (refresh token in the keychain)');
    const nobody = checkProfile({ profile: signIn, secrets: {}, signIn: { state: 'signed-out' } }, now);
    expect(nobody.find((c) => c.detail.startsWith('nobody is signed in'))).toMatchObject({ status: 'warning', fix: 'tokenctl login -p erp' });
    expect(nobody.map((c) => c.detail)).not.toContain('never validated');
    const elsewhere = checkProfile({ profile: signIn, secrets: {}, signIn: { state: 'unusable', reason: 'its refresh token was issued by https://idp.example/token for client cli, but the profile now gets tokens from https://evil.example/token' } }, now);
    expect(elsewhere.find((c) => c.detail.startsWith('its sign-in cannot be used'))).toMatchObject({ status: 'problem', fix: 'tokenctl login -p erp' });
  });
});

describe('validate --curl', () => {
  const entra = planEndpoint({ tenant: 'contoso.onmicrosoft.com' }) as Endpoint;
  const generic: Endpoint = { provider: 'generic', tokenUrl: new URL('https://idp.example.com/token') };
  const secret = (value: string): ClientCredential => ({ kind: 'secret', secret: value, source: 'test' });

  it('client_secret_post: the secret is a variable reference, never the value', () => {
    const command = curlCommand(buildTokenRequest({ clientId: 'c1', resources: ['api://x'] }, entra, secret('Sup3r~Secret')), { caFile: '/etc/ca.pem' });
    expect(command).toContain('curl -sS -X POST \\\n  https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token');
    expect(command).toContain('--data-urlencode client_secret@<(printf %s "$TOKENCTL_CLIENT_SECRET")');
    expect(command).toContain('--data-urlencode scope=api://x/.default');
    expect(command).toContain('--cacert /etc/ca.pem');
    expect(command).not.toContain('Sup3r~Secret');
  });
  it('client_secret_basic: a header read from a file descriptor, encoded by python3 when the secret needs it', () => {
    const plain = curlCommand(buildTokenRequest({ clientId: 'svc', scopes: ['read'] }, generic, secret('plain')), {});
    expect(plain).toContain(`-H @<(printf 'Authorization: Basic %s\\n' "$(printf '%s:%s' svc "$TOKENCTL_CLIENT_SECRET" | base64`);
    expect(plain).not.toContain(' -u ');
    const encoded = curlCommand(buildTokenRequest({ clientId: 'svc' }, generic, secret('a:b+c')), {});
    expect(encoded).toContain(`-H @<(printf 'Authorization: Basic %s\\n' "$(python3`);
    expect(encoded).not.toContain('a:b+c');
  });
  it('a federated token is read from its file; quoting survives spaces and quotes', () => {
    const command = curlCommand(buildTokenRequest({ clientId: 'c', scopes: ["it's read"] }, generic, { kind: 'federated', path: '/var/run/token file', source: 't' }), {});
    expect(command).toContain(`--data-urlencode client_assertion@<(tr -d '\\n' < '/var/run/token file')`);
    expect(command).toContain(`--data-urlencode 'scope=it'\\''s read'`);
  });
});

describe('spinner', () => {
  it('draws on a terminal only, and clears its line', () => {
    const io = fakeIo();
    startSpinner(io, 'requesting', { json: false, verbose: false })();
    expect(io.err).toEqual([]);
    const tty = { ...fakeIo(), stderr: { ...fakeIo().stderr, isTTY: true } };
    const written: string[] = [];
    tty.stderr.write = (text: string) => void written.push(text);
    const stop = startSpinner(tty, 'requesting a token from login.example.com…', { json: false, verbose: false });
    stop();
    expect(written[0]).toContain('requesting a token from login.example.com…');
    expect(written.at(-1)).toBe('\r\u001b[K');
    const quiet: string[] = [];
    tty.stderr.write = (text: string) => void quiet.push(text);
    startSpinner(tty, 'x', { json: true, verbose: false })();
    expect(quiet).toEqual([]);
  });
});
