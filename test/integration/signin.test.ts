import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enterDeviceCode, launchBrowser, signInInBrowser, type TestBrowser } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { startOidcProvider, type OidcProviderHarness } from '../support/oidc-provider.js';
import { startCli } from '../support/running-cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

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
    // With --json, where the token went is one JSON line on stderr.
    expect(result.stderr).toBe('{"sentTo":"a token of public client cli-public to 127.0.0.1"}\n');
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
    // The profile's cached token was the one revoked: it is dropped, never handed out again.
    expect((await cli(['token', '-p', 'sso'])).stdout.trim()).not.toBe(token);
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

/** The page the browser shows at `url`, without signing in: the provider's own error page, for one. */
async function pageText(url: string): Promise<string> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    return await page.locator('body').innerText();
  } finally {
    await context.close();
  }
}

const configurePublic = (profile: string, extra: string[] = []) =>
  cli(['configure', '-p', profile, '--grant', 'authorization_code', '--issuer', idp.issuer, '--client-id', idp.signInClients.public.clientId, '--store', 'file', ...extra]);
const profilePath = (profile: string) => join(configDir, 'profiles', `${profile}.json`);
/** Edits a profile file behind tokenctl's back, as a hostile or careless hand could. */
function editProfile(profile: string, edit: (settings: Record<string, unknown>) => void): void {
  const doc = JSON.parse(readFileSync(profilePath(profile), 'utf8'));
  edit(doc.settings);
  writeFileSync(profilePath(profile), JSON.stringify(doc, null, 2));
}
/** With --json, the error is the last line of stderr. */
const jsonError = (stderr: string) => JSON.parse(stderr.trim().split('\n').at(-1) as string).error as { code: string; message: string; hint?: string };
const shown = async (profile: string) => JSON.parse((await cli(['show', '-p', profile, '--json'])).stdout);

describe('a refresh token belongs to the server and client that issued it', () => {
  let other: ScriptedServer;
  beforeAll(async () => {
    other = await startScriptedServer([]);
  });
  afterAll(() => other?.close());

  it('remove deletes it: a profile made again under the same name does not inherit the sign-in', async () => {
    expect((await configurePublic('again')).code).toBe(0);
    expect((await loginWithBrowser('again', 'ada')).result.code).toBe(0);
    expect((await shown('again')).signIn).toMatchObject({ state: 'signed-in', user: 'ada' });
    expect((await cli(['remove', '-p', 'again', '--yes'])).code).toBe(0);
    const { clientId, clientSecret } = idp.signInClients.confidential;
    const made = await cli(['configure', '-p', 'again', '--grant', 'authorization_code', '--issuer', idp.issuer, '--client-id', clientId, '--client-secret-stdin', '--store', 'file'], clientSecret);
    expect(made.code).toBe(0);
    const before = refreshRequests().length;
    const token = await cli(['token', '-p', 'again', '--json']);
    expect(token.code).toBe(9);
    expect(jsonError(token.stderr)).toMatchObject({ code: 'LOGIN_REQUIRED' });
    // The old refresh token went nowhere: not to the server with the new client's credentials.
    expect(refreshRequests().length).toBe(before);
    expect((await shown('again')).signIn).toEqual({ state: 'signed-out' });
  });

  it('configure pointing the profile at another server ends the sign-in: refresh, access and ID tokens are forgotten, nothing is sent there', async () => {
    expect((await configurePublic('moved')).code).toBe(0);
    expect((await loginWithBrowser('moved', 'ada')).result.code).toBe(0);
    // A change that leaves the server and client as they were keeps the sign-in.
    expect((await cli(['configure', '-p', 'moved', '--scope', 'email'])).code).toBe(0);
    expect((await shown('moved')).signIn).toMatchObject({ state: 'signed-in' });
    const moved = await cli(['configure', '-p', 'moved', '--token-url', `${other.url}/token`, '--authorize-url', `${other.url}/authorize`, '--no-validate']);
    expect(moved.code).toBe(0);
    expect(moved.stderr).toContain('tokenctl login -p moved');
    const token = await cli(['token', '-p', 'moved']);
    expect(token.code).toBe(9);
    expect(other.requests).toEqual([]);
    expect((await cli(['decode', '-p', 'moved', '--id-token'])).code).toBe(9);
    const row = JSON.parse((await cli(['list', '--json'])).stdout).find((r: { name: string }) => r.name === 'moved');
    expect(row.cachedTokenExpiresAt).toBeNull();
    expect((await shown('moved')).signIn).toEqual({ state: 'signed-out' });
  });

  it('a profile file edited to point elsewhere gets exit 9: the refresh token is not sent to the new token endpoint or for another client', async () => {
    expect((await configurePublic('pinned')).code).toBe(0);
    expect((await loginWithBrowser('pinned', 'ada')).result.code).toBe(0);
    editProfile('pinned', (settings) => {
      delete settings.issuer;
      settings.tokenUrl = `${other.url}/token`;
      settings.authorizeUrl = `${other.url}/authorize`;
    });
    const elsewhere = await cli(['token', '-p', 'pinned', '--refresh', '--json']);
    expect(elsewhere.code).toBe(9);
    expect(jsonError(elsewhere.stderr).message).toContain(`issued by ${idp.tokenEndpoint}`);
    expect(other.requests).toEqual([]);
    expect((await shown('pinned')).signIn).toMatchObject({ state: 'unusable' });

    editProfile('pinned', (settings) => {
      delete settings.tokenUrl;
      delete settings.authorizeUrl;
      settings.issuer = idp.issuer;
      settings.clientId = 'cli-confidential';
    });
    const before = refreshRequests().length;
    const otherClient = await cli(['token', '-p', 'pinned', '--refresh']);
    expect(otherClient.code).toBe(9);
    expect(otherClient.stderr).toContain('client cli-public');
    expect(refreshRequests().length).toBe(before);
    // Nor does logout send it to a revocation endpoint: it only forgets it.
    const refreshRevocations = () => idp.requests.filter((r) => r.path === '/token/revocation' && r.form.token_type_hint === 'refresh_token').length;
    const revocationsBefore = refreshRevocations();
    const logout = await cli(['logout', '-p', 'pinned'], idp.signInClients.confidential.clientSecret);
    expect(logout.stderr).toContain('the refresh token is not revoked');
    expect(refreshRevocations()).toBe(revocationsBefore);
  });
});

describe('the loopback page tells the truth', () => {
  it('a callback with another state gets "Sign-in failed", never "Signed in", and the code is not echoed', async () => {
    const running = startCli(['login', '-p', 'sso', '--no-browser', '--json'], { env });
    const [url] = await running.waitForStderr(/http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/);
    const redirect = new URL(new URL(url as string).searchParams.get('redirect_uri') as string);
    redirect.search = new URLSearchParams({ code: 'forged-code-4f1d', state: 'not-this-login' }).toString();
    const page = await (await fetch(redirect)).text();
    expect(page).toContain('Sign-in failed');
    expect(page).not.toContain('Signed in');
    expect(page).not.toContain('forged-code-4f1d');
    const result = await running.result;
    expect(result.code).toBe(7);
    expect(jsonError(result.stderr)).toMatchObject({ code: 'STATE_MISMATCH' });
  });
});

describe('servers without metadata: explicit endpoints and no issuer', () => {
  it('login sends no nonce without openid, and oidc-provider accepts the sign-in', async () => {
    // Without openid, oidc-provider grants only an API's scopes: the resource and its scope are asked for.
    const configured = await cli(['configure', '-p', 'bare', '--grant', 'authorization_code', '--token-url', idp.tokenEndpoint, '--authorize-url', `${idp.issuer}/auth`, '--client-id', 'cli-public', '--scope', 'read', '--store', 'file']);
    expect(configured.code).toBe(0);
    const { url, result, page } = await loginWithBrowser('bare', 'dora', ['--param', `resource=${idp.resource}`]);
    expect(url.searchParams.has('nonce')).toBe(false);
    expect(url.searchParams.get('scope')).not.toMatch(/\bopenid\b/);
    expect(page).toContain('Signed in to tokenctl');
    expect(result.code).toBe(0);
    expect((await cli(['token', '-p', 'bare', '--min-validity', '86400'])).code).toBe(0);
  });

  it('openid asked for with no issuer to verify the ID token is refused before the browser opens', async () => {
    expect((await cli(['configure', '-p', 'bare-oidc', '--grant', 'authorization_code', '--token-url', idp.tokenEndpoint, '--authorize-url', `${idp.issuer}/auth`, '--client-id', 'cli-public', '--scope', 'openid', '--store', 'file'])).code).toBe(0);
    const before = idp.requests.length;
    const result = await cli(['login', '-p', 'bare-oidc', '--no-browser', '--json']);
    expect(result.code).toBe(2);
    expect(jsonError(result.stderr)).toMatchObject({ code: 'ID_TOKEN_UNVERIFIABLE' });
    expect(result.stderr).toContain('--issuer');
    expect(result.stderr).not.toMatch(/\/auth\?/);
    expect(idp.requests.length).toBe(before);
  });
});

describe('validate, doctor and show on a sign-in profile', () => {
  it('nobody signed in: validate checks the endpoints and exits 9, sending no client-credentials request; doctor and show say so', async () => {
    expect((await configurePublic('fresh')).code).toBe(0);
    const before = idp.tokenRequests();
    const result = await cli(['validate', '-p', 'fresh', '--json']);
    expect(result.code).toBe(9);
    expect(jsonError(result.stderr)).toMatchObject({ code: 'LOGIN_REQUIRED' });
    expect(jsonError(result.stderr).message).toContain(`${idp.issuer}/auth`);
    expect(idp.tokenRequests()).toBe(before);
    const shownFresh = await shown('fresh');
    expect(shownFresh.signIn).toEqual({ state: 'signed-out' });
    expect(shownFresh.lastValidatedAt).toBeUndefined();
    expect((await cli(['show', '-p', 'fresh'])).stdout).toMatch(/signed in\s+no: tokenctl login -p fresh/);
    const doctor = JSON.parse((await cli(['doctor', '-p', 'fresh', '--json'])).stdout);
    const details = JSON.stringify(doctor);
    expect(details).toContain('nobody is signed in');
    expect(details).not.toContain('last validated');
  });

  it('signed in: validate renews the token with the refresh token and reports the sign-in; doctor and show say who and since when', async () => {
    expect((await loginWithBrowser('fresh', 'erin')).result.code).toBe(0);
    const before = refreshRequests().length;
    const result = await cli(['validate', '-p', 'fresh', '--json']);
    expect(result.code).toBe(0);
    expect(refreshRequests().length).toBe(before + 1);
    expect(JSON.parse(result.stdout)).toMatchObject({ profile: 'fresh', endpoint: idp.tokenEndpoint, authMethod: 'none', signIn: { grant: 'authorization_code', signInEndpoint: `${idp.issuer}/auth`, user: 'erin' } });
    expect((await cli(['token', '-p', 'fresh'])).code).toBe(0);
    expect((await shown('fresh')).signIn).toMatchObject({ state: 'signed-in', user: 'erin', signedInAt: expect.stringMatching(/^\d{4}-/) });
    expect(JSON.stringify(JSON.parse((await cli(['doctor', '-p', 'fresh', '--json'])).stdout))).toContain('signed in as erin since');
  });
});

describe('revoke -p without a token', () => {
  it("revokes the profile's refresh token (stdin piped but not named), and the profile forgets it", async () => {
    expect((await configurePublic('rev')).code).toBe(0);
    expect((await loginWithBrowser('rev', 'fred')).result.code).toBe(0);
    const result = await cli(['revoke', '-p', 'rev', '--json'], '');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ revoked: true, profile: 'rev', tokenType: 'refresh_token', forgotten: true });
    const sent = idp.requests.filter((r) => r.path === '/token/revocation').at(-1);
    expect(sent?.form.token_type_hint).toBe('refresh_token');
    expect((await cli(['token', '-p', 'rev'])).code).toBe(9);
  });

  it('--token-type-hint access_token revokes the cached access token and drops it: the next token -p never hands it out', async () => {
    expect((await loginWithBrowser('rev', 'fred')).result.code).toBe(0);
    const first = (await cli(['token', '-p', 'rev'])).stdout.trim();
    const result = await cli(['revoke', '-p', 'rev', '--token-type-hint', 'access_token']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('revoked the access token');
    expect(idp.requests.filter((r) => r.path === '/token/revocation').at(-1)?.form.token_type_hint).toBe('access_token');
    expect(JSON.parse((await cli(['introspect', '-p', 'rev', '--json', '-'], first)).stdout)).toEqual({ active: false });
    // oidc-provider ends the whole grant with its access token, so the refresh fails too: exit 9, never the dead token.
    const next = await cli(['token', '-p', 'rev']);
    expect(next.stdout.trim()).not.toBe(first);
    expect(next.code).toBe(9);
  });
});

describe('a redirect URI the server does not know', () => {
  it('the provider shows its error page and never comes back: the timeout names the URI sent and the flags', async () => {
    expect((await configurePublic('wrong-uri', ['--redirect-host', 'localhost'])).code).toBe(0);
    const running = startCli(['login', '-p', 'wrong-uri', '--no-browser', '--timeout', '5'], { env });
    const [url] = await running.waitForStderr(/http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/);
    const sent = new URL(url as string).searchParams.get('redirect_uri') as string;
    expect(sent).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(await pageText(url as string)).toMatch(/redirect_uri/);
    const result = await running.result;
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('not completed within 5 s');
    expect(result.stderr).toContain(sent);
    expect(result.stderr).toContain('--redirect-host');
    expect(result.stderr).toContain('--redirect-port');
  });
});
