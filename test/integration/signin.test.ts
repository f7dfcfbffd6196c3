import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enterDeviceCode, launchBrowser, signInInBrowser, type TestBrowser } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { startOidcProvider, type OidcProviderHarness } from '../support/oidc-provider.js';
import { startCli } from '../support/running-cli.js';

/*
 * User sign-in end to end: the built CLI, oidc-provider's real login, consent and device pages, and a
 * headless Chromium playing the user. Profiles use the encrypted file store, so no keychain is needed.
 */

let idp: OidcProviderHarness;
let browser: TestBrowser;
let env: Record<string, string>;
let configDir: string;

beforeAll(async () => {
  idp = await startOidcProvider({ signIn: true });
  browser = await launchBrowser();
  configDir = mkdtempSync(join(tmpdir(), "tokenctl-signin-"));
  env = { TOKENCTL_CONFIG_DIR: configDir, TOKENCTL_PASSPHRASE: 'signin test passphrase', TOKENCTL_PROFILE: '' };
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await idp?.close();
});

const cli = (args: string[], input?: string) => runCli(args, { env, ...(input === undefined ? {} : { input }), timeoutMs: 60_000 });
const refreshRequests = () => idp.requests.filter((r) => r.path === '/token' && r.form.grant_type === 'refresh_token');
/** Everything tokenctl keeps on disk, as text: no token may appear in it in clear. */
const onDisk = () =>
  (readdirSync(configDir, { recursive: true }) as string[])
    .map((name) => join(configDir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path, 'latin1'))
    .join('\n');

/** `login --no-browser`, with the test's browser as the user. */
async function loginWithBrowser(profile: string, user: string, extra: string[] = [], options: { cancel?: boolean } = {}) {
  const running = startCli(['login', '-p', profile, '--no-browser', ...extra], { env });
  const [url] = await running.waitForStderr(/http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/);
  const page = await signInInBrowser(browser, url, { login: user, ...options });
  return { page, url: new URL(url), result: await running.result };
}

describe('authorization code with PKCE, as a public client', () => {
  it('configure makes a public sign-in profile without a secret', async () => {
    const result = await cli(['configure', '-p', 'sso', '--grant', 'authorization_code', '--issuer', idp.issuer, '--client-id', idp.signInClients.public.clientId, '--scope', 'profile email', '--store', 'file']);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    const shown = JSON.parse((await cli(['show', '-p', 'sso', '--json'])).stdout);
    expect(shown).toMatchObject({ settings: { grant: 'authorization_code', issuer: idp.issuer }, credential: 'none', authMethod: 'none' });
  });

  it('login: PKCE S256, state and nonce; the browser signs in on the provider\'s pages; the loopback page says so', async () => {
    const { page, url, result } = await loginWithBrowser('sso', 'ada', ['--json']);
    expect(page).toContain('Signed in to tokenctl');
    expect(result.code).toBe(0);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ response_type: 'code', client_id: 'cli-public', code_challenge_method: 'S256' });
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ profile: 'sso', grant: 'authorization_code', refreshTokenStored: true, user: { subject: 'ada', name: 'Test User ada', username: 'ada', issuer: idp.issuer } });
    const exchange = idp.requests.find((r) => r.path === '/token' && r.form.grant_type === 'authorization_code');
    expect(exchange?.form.code_verifier).toMatch(/^[\w-]{43}$/);
    expect(result.stdout + result.stderr).not.toMatch(/eyJ|refresh_token"/);
  });

  it('the loopback listener is gone once the sign-in is over', async () => {
    const { url } = await loginWithBrowser('sso', 'ada');
    const redirect = new URL(url.searchParams.get('redirect_uri') as string);
    await expect(fetch(redirect)).rejects.toThrow();
  });

  it('token -p gives the cached access token, userinfo says who it is, decode --id-token shows the ID token', async () => {
    const before = idp.tokenRequests();
    const token = await cli(['token', '-p', 'sso']);
    expect(token.code).toBe(0);
    expect(idp.tokenRequests()).toBe(before);
    const info = await cli(['userinfo', '-p', 'sso', '--json']);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ sub: 'ada', email: 'ada@example.com', name: 'Test User ada' });
    const id = await cli(['decode', '-p', 'sso', '--id-token', '--claim', 'sub']);
    expect(id.stdout.trim()).toBe('ada');
    const aud = await cli(['decode', '-p', 'sso', '--id-token', '--claim', 'aud']);
    expect(aud.stdout.trim()).toBe('cli-public');
  });

  it('an access token that runs short is refreshed with the stored refresh token, which rotates', async () => {
    const first = (await cli(['token', '-p', 'sso'])).stdout.trim();
    const refreshesBefore = refreshRequests().length;
    const renewed = await cli(['token', '-p', 'sso', '--min-validity', '86400']);
    expect(renewed.code).toBe(0);
    expect(renewed.stdout.trim()).not.toBe(first);
    const again = await cli(['token', '-p', 'sso', '--min-validity', '86400']);
    expect(again.code).toBe(0);
    const used = refreshRequests().slice(refreshesBefore).map((r) => r.form.refresh_token as string);
    expect(used).toHaveLength(2);
    // Neither the refresh tokens nor the access token are anywhere on disk in clear.
    const disk = onDisk();
    for (const secret of [...used, again.stdout.trim()]) expect(disk).not.toContain(secret);
    // The second refresh used the token the first one rotated in: the old one is spent.
    expect(used[0]).not.toBe(used[1]);
  });

  it('50 parallel callers with an expiring token make exactly one refresh', async () => {
    idp.setSignInAccessTokenTtl(30);
    await cli(['token', '-p', 'sso', '--refresh']);
    idp.setSignInAccessTokenTtl(3600);
    const before = refreshRequests().length;
    const results = await Promise.all(Array.from({ length: 50 }, () => cli(['token', '-p', 'sso', '--min-validity', '60'])));
    expect(results.map((r) => r.code)).toEqual(Array(50).fill(0));
    expect(new Set(results.map((r) => r.stdout)).size).toBe(1);
    expect(refreshRequests().length - before).toBe(1);
  }, 120_000);

  it('introspect -p: active, with the scope, client and subject, and exp explained', async () => {
    const result = await cli(['introspect', '-p', 'sso', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ active: true, client_id: 'cli-public', sub: 'ada' });
    expect(doc.times.exp.relative).toMatch(/^in /);
    const text = await cli(['introspect', '-p', 'sso']);
    expect(text.stdout).toMatch(/^active\n/);
    expect(text.stdout).toMatch(/exp\s+\d+\s+\(\d{4}-\d\d-\d\dT[\d:]+Z, expires in /);
  });

  it('revoke: the token is dead for the server afterwards', async () => {
    const token = (await cli(['token', '-p', 'sso'])).stdout.trim();
    const revoked = await cli(['revoke', '-p', 'sso', '-'], token);
    expect(revoked.code).toBe(0);
    const after = await cli(['introspect', '-p', 'sso', '--json', '-'], token);
    expect(JSON.parse(after.stdout)).toEqual({ active: false });
  });

  it('a refresh token the server no longer honours ends in exit 9 and "run tokenctl login"', async () => {
    idp.revokeRefreshTokens();
    const result = await cli(['token', '-p', 'sso', '--refresh', '--json']);
    expect(result.code).toBe(9);
    expect(result.stdout).toBe('');
    const error = JSON.parse(result.stderr).error;
    expect(error).toMatchObject({ code: 'LOGIN_REQUIRED', exitCode: 9 });
    expect(error.hint).toContain('tokenctl login -p sso');
  });

  it('logout revokes and forgets the tokens, keeps the profile; token then says to log in', async () => {
    await loginWithBrowser('sso', 'ada');
    const result = await cli(['logout', '-p', 'sso', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ profile: 'sso', revocationEndpoint: `${idp.issuer}/token/revocation`, revoked: { refreshToken: true, accessToken: true }, forgotten: true });
    expect((await cli(['show', '-p', 'sso'])).code).toBe(0);
    const token = await cli(['token', '-p', 'sso']);
    expect(token.code).toBe(9);
    expect(token.stderr).toContain('tokenctl login -p sso');
  });

  it('a user who cancels gets exit 5, "cancelled", and what to do', async () => {
    const { page, result } = await loginWithBrowser('sso', 'ada', [], { cancel: true });
    expect(page).toContain('Sign-in failed');
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/cancelled or denied \(access_denied\)/);
    expect(result.stderr).toContain('tokenctl login -p sso');
  });

  it('a sign-in nobody completes ends at --timeout: the process exits', async () => {
    const started = Date.now();
    const result = await cli(['login', '-p', 'sso', '--no-browser', '--timeout', '2']);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('not completed within 2 s');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('device authorization (RFC 8628)', () => {
  it('login --device shows the code and URIs, polls while the user signs in, and stores the tokens', async () => {
    const running = startCli(['login', '-p', 'sso', '--device', '--json'], { env });
    const [, uri, code] = await running.waitForStderr(/open (http:\/\/\S+) and enter the code (\S+)/);
    const [, complete] = await running.waitForStderr(/or open (http:\/\/\S+) \(the code is filled in\)/);
    expect(complete).toContain(encodeURIComponent(code as string).replace('%2D', '-'));
    const page = await enterDeviceCode(browser, uri as string, code, { login: 'bob' });
    expect(page).toContain('successful');
    const result = await running.result;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ grant: 'device_code', user: { subject: 'bob' }, refreshTokenStored: true });
    const introspected = await cli(['introspect', '-p', 'sso', '--json']);
    expect(JSON.parse(introspected.stdout)).toMatchObject({ active: true, sub: 'bob' });
  }, 90_000);

  it('a user who aborts on the device page ends the login with access_denied', async () => {
    const running = startCli(['login', '-p', 'sso', '--device'], { env });
    const [, complete] = await running.waitForStderr(/or open (http:\/\/\S+) \(the code is filled in\)/);
    await enterDeviceCode(browser, complete as string, undefined, { login: 'bob', cancel: true });
    const result = await running.result;
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('access_denied');
  }, 90_000);
});

describe('a confidential client', () => {
  it('configure with a secret, login, and introspect as that client', async () => {
    const { clientId, clientSecret } = idp.signInClients.confidential;
    const configured = await cli(['configure', '-p', 'conf', '--grant', 'authorization_code', '--issuer', idp.issuer, '--client-id', clientId, '--client-secret-stdin', '--store', 'file'], clientSecret);
    expect(configured.code).toBe(0);
    const { result } = await loginWithBrowser('conf', 'carol');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Signed in as carol (profile conf)');
    const exchange = idp.requests.filter((r) => r.path === '/token' && r.form.grant_type === 'authorization_code').at(-1);
    expect(exchange?.authorization).toMatch(/^Basic /);
    const introspected = await cli(['introspect', '-p', 'conf', '--json']);
    expect(JSON.parse(introspected.stdout)).toMatchObject({ active: true, client_id: clientId, sub: 'carol' });
  });
});
