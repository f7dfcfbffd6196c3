import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('a redirect URI Entra does not know (AADSTS50011) is refused on its own page, before any redirect', async () => {
    expect((await cli(['configure', '-p', 'wrong-host', '--grant', 'authorization_code', ...entra(PUBLIC_APP), '--scope', 'User.Read'])).code).toBe(0);
    const running = startCli(['login', '-p', 'wrong-host', '--no-browser', '--timeout', '3'], { env });
    const [url] = await running.waitForStderr(/https:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/v2\.0\/authorize\?\S+/);
    expect(await (await fetch(url, { dispatcher: agent })).text()).toContain('AADSTS50011');
    const result = await running.result;
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('not completed within 3 s');
  });
});
