import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../support/cli.js';
import { startEntraEmulator, type EntraEmulator } from '../support/entra-emulator.js';
import { startCli } from '../support/running-cli.js';

/*
 * User sign-in against the Entra ID emulator: its authorize page, devicecode endpoint and user grants.
 * The user's part is played by an HTTP client that fills the emulator's own sign-in forms.
 */

const TENANT = '9660ad26-896d-4438-a013-e3ee23b57b7c';
const PUBLIC_APP = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const WEB_APP = '1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d';
const UNCONSENTED_APP = '2b3c4d5e-6f7a-4b2c-9d3e-4f5a6b7c8d9e';
const WEB_SECRET = 'web~app.secret';

let emulator: EntraEmulator;
let agent: Agent;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await startEntraEmulator({
    tenants: [{ id: TENANT, domains: ['contoso.onmicrosoft.com'], displayName: 'Contoso' }],
    // Entra's issuer lives on its own host; the emulator's on the emulator's.
    issuer: (tenantId, url) => `${url}/${tenantId}/v2.0`,
    apps: [
      { tenantId: TENANT, clientId: PUBLIC_APP, displayName: 'tokenctl (public)', publicClient: true, redirectUris: ['http://localhost'] },
      { tenantId: TENANT, clientId: WEB_APP, displayName: 'Web app', secrets: [{ value: WEB_SECRET, secretId: 'c0c0c0c0-1111-2222-3333-444444444444' }], redirectUris: ['http://localhost'] },
      { tenantId: TENANT, clientId: UNCONSENTED_APP, displayName: 'Nobody consented', publicClient: true, redirectUris: ['http://localhost'], consentRequired: true },
    ],
  });
  emulator.setDeviceInterval(1);
  agent = new Agent({ connect: { ca: readFileSync(emulator.caFile, 'utf8') } });
  env = { TOKENCTL_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'tokenctl-signin-entra-')), TOKENCTL_PASSPHRASE: 'entra sign-in test', TOKENCTL_PROFILE: '' };
});
afterAll(async () => {
  await agent?.close();
  await emulator?.close();
});

const cli = (args: string[], input?: string) => runCli(args, { env, ...(input === undefined ? {} : { input }), timeoutMs: 60_000 });
/** With --json, the error is the last line of stderr, after what the user was shown. */
const jsonError = (stderr: string) => JSON.parse(stderr.trim().split('\n').at(-1) as string).error as { code: string };
const entra = (clientId: string) => ['--tenant', 'contoso.onmicrosoft.com', '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', clientId, '--store', 'file'];

/** Submits the emulator's sign-in form on the page at `url` as `user`; returns where the browser is sent. */
async function signIn(url: string, user: string, action: 'signin' | 'cancel' = 'signin'): Promise<string> {
  const page = await (await fetch(url, { dispatcher: agent })).text();
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(page);
  if (!form) throw new Error(`no sign-in form: ${page.slice(0, 300)}`);
  const fields = new URLSearchParams([...(form[2] as string).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m): [string, string] => [m[1] as string, (m[2] as string).replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))]));
  fields.set('username', user);
  fields.set('password', 'any password');
  fields.set('action', action);
  const response = await fetch(new URL(form[1] as string, url), { method: 'POST', body: fields, redirect: 'manual', dispatcher: agent });
  return response.headers.get('location') ?? `HTTP ${response.status}: ${await response.text()}`;
}

/** The whole browser part of a login --no-browser: sign in, then follow the redirect to tokenctl's listener. */
async function loginAs(profile: string, user: string, extra: string[] = [], action: 'signin' | 'cancel' = 'signin') {
  const running = startCli(['login', '-p', profile, '--no-browser', ...extra], { env });
  const [url] = await running.waitForStderr(/https:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/v2\.0\/authorize\?\S+/);
  const location = await signIn(url, user, action);
  const landing = location.startsWith('http://localhost') ? await (await fetch(location)).text() : location;
  return { url: new URL(url), landing, result: await running.result };
}

describe('Entra ID: authorization code with PKCE, public client', () => {
  it('configure, login through the v2 authorize endpoint, and the ID token says who signed in', async () => {
    expect((await cli(['configure', '-p', 'ent', '--grant', 'authorization_code', ...entra(PUBLIC_APP), '--scope', 'User.Read', '--redirect-host', 'localhost'])).code).toBe(0);
    const { url, landing, result } = await loginAs('ent', 'ada@contoso.com', ['--json']);
    expect(url.pathname).toBe('/contoso.onmicrosoft.com/oauth2/v2.0/authorize');
    expect(url.searchParams.get('scope')).toBe('openid profile offline_access User.Read');
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(landing).toContain('Signed in to tokenctl');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ grant: 'authorization_code', refreshTokenStored: true, user: { username: 'ada@contoso.com', name: 'User ada@contoso.com', tenantId: TENANT } });
  });

  it('token -p refreshes through the token endpoint with the scope, and a revoked session means exit 9', async () => {
    const before = emulator.requests.length;
    const renewed = await cli(['token', '-p', 'ent', '--min-validity', '86400']);
    expect(renewed.code).toBe(0);
    const refresh = emulator.requests.slice(before).find((r) => r.form.grant_type === 'refresh_token');
    expect(refresh?.form).toMatchObject({ client_id: PUBLIC_APP, scope: 'openid profile offline_access User.Read' });
    expect(refresh?.form).not.toHaveProperty('client_secret');
    emulator.revokeRefreshTokens();
    const dead = await cli(['token', '-p', 'ent', '--refresh']);
    expect(dead.code).toBe(9);
    expect(dead.stderr).toContain('tokenctl login -p ent');
  });

  it('the device flow through the devicecode endpoint', async () => {
    const running = startCli(['login', '-p', 'ent', '--device'], { env });
    const [, uri, code] = await running.waitForStderr(/open (https:\/\/\S+) and enter the code (\S+)/);
    const enter = await fetch(uri as string, { method: 'POST', body: new URLSearchParams({ otc: code as string }), dispatcher: agent });
    expect(await enter.text()).toContain('Sign in to your account');
    const done = await fetch(uri as string, { method: 'POST', body: new URLSearchParams({ otc: code as string, username: 'bob@contoso.com', action: 'signin' }), dispatcher: agent });
    expect(await done.text()).toContain('You have signed in');
    const result = await running.result;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Signed in as User bob@contoso.com (bob@contoso.com)');
  });

  it('logout forgets the tokens and says Entra ID cannot revoke them', async () => {
    const result = await cli(['logout', '-p', 'ent']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Entra ID has no revocation endpoint');
    expect((await cli(['token', '-p', 'ent'])).code).toBe(9);
  });
});

describe('Entra ID: the classic sign-in failures, each with its hint', () => {
  it('a public client that sends a secret (AADSTS700025)', async () => {
    expect((await cli(['configure', '-p', 'pub-secret', '--grant', 'authorization_code', ...entra(PUBLIC_APP), '--scope', 'User.Read', '--redirect-host', 'localhost', '--client-secret-stdin'], 'a-secret')).code).toBe(0);
    const { result } = await loginAs('pub-secret', 'ada@contoso.com', ['--json']);
    expect(result.code).toBe(5);
    expect(jsonError(result.stderr)).toMatchObject({ code: 'PUBLIC_CLIENT_SECRET_SENT' });
    expect(result.stderr).toContain('--public-client');
  });

  it('a confidential client without its secret (AADSTS7000218)', async () => {
    expect((await cli(['configure', '-p', 'web-public', '--grant', 'authorization_code', ...entra(WEB_APP), '--scope', 'User.Read', '--redirect-host', 'localhost'])).code).toBe(0);
    const { result } = await loginAs('web-public', 'ada@contoso.com', ['--json']);
    expect(result.code).toBe(5);
    expect(jsonError(result.stderr)).toMatchObject({ code: 'CREDENTIAL_NOT_SENT' });
    expect(result.stderr).toContain('Allow public client flows');
  });

  it('consent nobody gave (AADSTS65001), and a user who cancels', async () => {
    expect((await cli(['configure', '-p', 'unconsented', '--grant', 'authorization_code', ...entra(UNCONSENTED_APP), '--scope', 'User.Read', '--redirect-host', 'localhost'])).code).toBe(0);
    const consent = await loginAs('unconsented', 'ada@contoso.com', ['--json']);
    expect(consent.result.code).toBe(5);
    expect(jsonError(consent.result.stderr)).toMatchObject({ code: 'CONSENT_REQUIRED' });
    const cancelled = await loginAs('ent', 'ada@contoso.com', ['--json'], 'cancel');
    expect(cancelled.result.code).toBe(5);
    expect(jsonError(cancelled.result.stderr)).toMatchObject({ code: 'SIGN_IN_CANCELLED' });
  });

  it('a redirect URI Entra does not know (AADSTS50011) is refused on its own page, before any redirect; the timeout says what to register', async () => {
    expect((await cli(['configure', '-p', 'wrong-host', '--grant', 'authorization_code', ...entra(PUBLIC_APP), '--scope', 'User.Read', '--redirect-host', '127.0.0.1'])).code).toBe(0);
    const running = startCli(['login', '-p', 'wrong-host', '--no-browser', '--timeout', '3'], { env });
    const [url] = await running.waitForStderr(/https:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/v2\.0\/authorize\?\S+/);
    const sent = new URL(url as string).searchParams.get('redirect_uri') as string;
    expect(sent).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await (await fetch(url as string, { dispatcher: agent })).text()).toContain('AADSTS50011');
    const result = await running.result;
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('not completed within 3 s');
    expect(result.stderr).toContain(sent);
    expect(result.stderr).toContain('http://localhost under "Mobile and desktop applications"');
    expect(result.stderr).toContain('--redirect-host');
    expect(result.stderr).toContain('--redirect-port');
  });

  it("the README's example works as written: --redirect-host localhost matches the registered http://localhost", async () => {
    expect((await cli(['configure', '-p', 'readme', '--grant', 'authorization_code', ...entra(PUBLIC_APP), '--scope', 'User.Read', '--redirect-host', 'localhost'])).code).toBe(0);
    const { url, landing, result } = await loginAs('readme', 'ada@contoso.com');
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(landing).toContain('Signed in to tokenctl');
    expect(result.code).toBe(0);
  });
});

/** A login waiting for the browser, with the authorize URL it printed. */
async function startLogin(profile: string) {
  const running = startCli(['login', '-p', profile, '--no-browser', '--json'], { env });
  const [url] = await running.waitForStderr(/https:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/v2\.0\/authorize\?\S+/);
  return { running, url: new URL(url as string) };
}

/** The code and state of a redirect location the emulator sent. */
const callbackOf = (location: string) => new URL(location).searchParams;

describe('Entra ID: a code that does not redeem, end to end', () => {
  beforeAll(async () => {
    expect((await cli(['configure', '-p', 'codes', '--grant', 'authorization_code', ...entra(PUBLIC_APP), '--scope', 'User.Read', '--redirect-host', 'localhost'])).code).toBe(0);
  });

  it('PKCE mismatch: a code from an authorization request with another challenge (AADSTS501481); the browser is told it failed', async () => {
    const { running, url } = await startLogin('codes');
    // Someone else's authorization request, carrying this login's state and redirect: a code injection.
    const injected = new URL(url);
    injected.searchParams.set('code_challenge', createHash('sha256').update('another-verifier-of-43-characters-long-xxxxx').digest('base64url'));
    const location = await signIn(injected.href, 'ada@contoso.com');
    const landing = await (await fetch(location)).text();
    expect(landing).toContain('Sign-in failed');
    expect(landing).not.toContain(callbackOf(location).get('code') as string);
    const result = await running.result;
    expect(result.code).toBe(5);
    expect(jsonError(result.stderr)).toMatchObject({ code: 'PKCE_MISMATCH' });
    expect(result.stderr).toContain('tokenctl login -p codes');
  });

  it('a code that was already redeemed (AADSTS54005)', async () => {
    const first = await startLogin('codes');
    const used = await signIn(first.url.href, 'ada@contoso.com');
    await fetch(used);
    expect((await first.running.result).code).toBe(0);
    const second = await startLogin('codes');
    const fresh = callbackOf(await signIn(second.url.href, 'ada@contoso.com'));
    // The first login's code, delivered to the second login with its own state.
    const replay = new URL(second.url.searchParams.get('redirect_uri') as string);
    replay.search = new URLSearchParams({ code: callbackOf(used).get('code') as string, state: fresh.get('state') as string }).toString();
    expect(await (await fetch(replay)).text()).toContain('Sign-in failed');
    const result = await second.running.result;
    expect(result.code).toBe(5);
    expect(jsonError(result.stderr)).toMatchObject({ code: 'CODE_INVALID' });
    expect(result.stderr).toContain('already used');
  });

  it('a code that expired before it was redeemed (AADSTS70008)', async () => {
    emulator.setCodeLifetime(0);
    try {
      const { running, url } = await startLogin('codes');
      const location = await signIn(url.href, 'ada@contoso.com');
      expect(await (await fetch(location)).text()).toContain('Sign-in failed');
      const result = await running.result;
      expect(result.code).toBe(5);
      expect(jsonError(result.stderr)).toMatchObject({ code: 'CODE_INVALID' });
      expect(result.stderr).toContain('expired');
    } finally {
      emulator.setCodeLifetime(600);
    }
  });
});

describe('Entra ID: the device flow says where it sends the request once, however often it polls', () => {
  it('one destination line for many polls', async () => {
    const before = emulator.requests.length;
    const polls = () => emulator.requests.slice(before).filter((r) => r.form.grant_type === 'urn:ietf:params:oauth:grant-type:device_code').length;
    const running = startCli(['login', '-p', 'ent', '--device'], { env });
    const [, uri, code] = await running.waitForStderr(/open (https:\/\/\S+) and enter the code (\S+)/);
    await vi.waitFor(() => expect(polls()).toBeGreaterThanOrEqual(3), { timeout: 30_000, interval: 200 });
    await fetch(uri as string, { method: 'POST', body: new URLSearchParams({ otc: code as string, username: 'bob@contoso.com', action: 'signin' }), dispatcher: agent });
    const result = await running.result;
    expect(result.code).toBe(0);
    expect(result.stderr.match(/^tokenctl: sending /gm)).toHaveLength(1);
  }, 60_000);
});
