import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from '../../src/profiles/atomic-file.js';
import { PROFILE_SCHEMA_VERSION, serializeProfile, type Profile } from '../../src/profiles/profile.js';
import { runCli } from '../support/cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

// What a pipeline keeps in its environment: it must reach only the hosts the pipeline allows.
const CANARY = 'pipeline-secret-canary-7f3a';
const noProxy = { HTTPS_PROXY: undefined, HTTP_PROXY: undefined, https_proxy: undefined, http_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };

let attacker: ScriptedServer;
let root: string;
beforeAll(async () => {
  attacker = await startScriptedServer([]);
});
afterAll(() => attacker.close());
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokenctl-destinations-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** A committed profile, as whoever can edit it left it. */
async function plantProfile(name: string, settings: Profile['settings'], credential: Profile['credential'] = 'secret'): Promise<void> {
  const profile: Profile = {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    name,
    provider: 'generic',
    settings,
    store: 'file',
    credential,
    secretAccounts: {},
    expectations: {},
    createdAt: '2025-01-02T03:04:05.000Z',
    updatedAt: '2025-01-02T03:04:05.000Z',
  };
  const dir = join(root, 'profiles');
  await ensurePrivateDir(dir);
  await writeFile(join(dir, `${name}.json`), serializeProfile(profile), { mode: 0o600 });
  await chmod(join(dir, `${name}.json`), 0o600);
}

const env = (extra: Record<string, string | undefined> = {}) => ({ ...noProxy, TOKENCTL_CONFIG_DIR: root, TOKENCTL_CLIENT_SECRET: CANARY, ...extra });

describe('TOKENCTL_ALLOWED_HOSTS pins where credentials may go', () => {
  it('a profile whose token URL was changed to another host is refused (exit 2) and nothing is sent', async () => {
    await plantProfile('erp', { tokenUrl: `${attacker.url}/token`, clientId: 'erp-client' });
    const before = attacker.requests.length;
    const result = await runCli(['token', '-p', 'erp', '--no-cache'], { env: env({ TOKENCTL_ALLOWED_HOSTS: 'login.microsoftonline.com,*.corp.example' }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the token endpoint 127.0.0.1 is not in TOKENCTL_ALLOWED_HOSTS');
    expect(result.stdout).toBe('');
    expect(attacker.requests.length).toBe(before);
  });

  it('the discovery host is checked before discovery, the discovered token endpoint before the token request', async () => {
    const issuer = attacker.url;
    const before = attacker.requests.length;
    const refused = await runCli(['token', '--issuer', issuer, '--client-id', 'svc'], { env: env({ TOKENCTL_ALLOWED_HOSTS: 'idp.example.com' }) });
    expect(refused.code).toBe(2);
    expect(attacker.requests.length).toBe(before);

    // The issuer is allowed, but its metadata names a token endpoint elsewhere.
    const script = [{ status: 200, headers: { 'content-type': 'application/json' }, body: '' }];
    const discovery = await startScriptedServer(script);
    try {
      script[0]!.body = JSON.stringify({ issuer: discovery.url, token_endpoint: `http://localhost:${new URL(attacker.url).port}/token` });
      const result = await runCli(['token', '--issuer', discovery.url, '--client-id', 'svc'], { env: env({ TOKENCTL_ALLOWED_HOSTS: '127.0.0.1' }) });
      expect(result.stderr).toContain('token endpoint localhost is not in TOKENCTL_ALLOWED_HOSTS');
      expect(result.code).toBe(2);
      expect(discovery.requests.length).toBe(1);
      expect(attacker.requests.length).toBe(before);
    } finally {
      await discovery.close();
    }
  });

  it('introspect, revoke and userinfo check the endpoints the metadata names, before sending credentials or a token', async () => {
    const elsewhere = `http://localhost:${new URL(attacker.url).port}`;
    const metadata = (issuer: string) =>
      JSON.stringify({ issuer, token_endpoint: `${issuer}/token`, introspection_endpoint: `${elsewhere}/introspect`, revocation_endpoint: `${elsewhere}/revoke`, userinfo_endpoint: `${elsewhere}/userinfo` });
    for (const [command, role] of [['introspect', 'introspection endpoint'], ['revoke', 'revocation endpoint'], ['userinfo', 'userinfo endpoint']] as const) {
      const script = [{ status: 200, headers: { 'content-type': 'application/json' }, body: '' }];
      const discovery = await startScriptedServer(script);
      try {
        script[0]!.body = metadata(discovery.url);
        const before = attacker.requests.length;
        const result = await runCli([command, '--issuer', discovery.url, '--client-id', 'svc', 'eyJhbGciOiJub25lIn0.e30.'], { env: env({ TOKENCTL_ALLOWED_HOSTS: '127.0.0.1' }) });
        expect(result.stderr, command).toContain(`${role} localhost is not in TOKENCTL_ALLOWED_HOSTS`);
        expect(result.code, command).toBe(2);
        expect(attacker.requests.length, command).toBe(before);
      } finally {
        await discovery.close();
      }
    }
  });

  it('a proxy outside the list is refused too', async () => {
    const result = await runCli(['token', '--token-url', 'https://login.example.com/token', '--client-id', 'svc'], {
      env: env({ TOKENCTL_ALLOWED_HOSTS: 'login.example.com', HTTPS_PROXY: 'http://proxy.evil.example:3128' }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/proxy .*proxy\.evil\.example is not in TOKENCTL_ALLOWED_HOSTS/);
  });

  it('a host in the list goes ahead, and the log names where the credential went', async () => {
    const result = await runCli(['token', '--token-url', `${attacker.url}/token`, '--client-id', 'svc'], { env: env({ TOKENCTL_ALLOWED_HOSTS: 'example.com, 127.0.0.1' }) });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('tokenctl: sending the client secret of client svc to 127.0.0.1\n');
  });

  it('a malformed list is exit 2', async () => {
    const result = await runCli(['token', '--token-url', `${attacker.url}/token`, '--client-id', 'svc'], { env: env({ TOKENCTL_ALLOWED_HOSTS: 'https://login.example.com/' }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('comma-separated list of host names');
  });
});

describe('with --json the log still names where the credential went, and stderr stays JSON', () => {
  const line = 'the client secret of client svc to 127.0.0.1';

  it('on success: one JSON line on stderr, the token document on stdout', async () => {
    const result = await runCli(['token', '--token-url', `${attacker.url}/token`, '--client-id', 'svc', '--json'], { env: env() });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ access_token: expect.any(String) });
    expect(result.stderr).toBe(`${JSON.stringify({ sentTo: line })}\n`);
  });

  it('on a refusal: the one error object carries sentTo', async () => {
    const refusing = await startScriptedServer([{ status: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'invalid_client' }) }]);
    const result = await runCli(['token', '--token-url', `${refusing.url}/token`, '--client-id', 'svc', '--json'], { env: env() });
    await refusing.close();
    expect(result.code).toBe(5);
    expect(JSON.parse(result.stderr)).toEqual({ error: expect.objectContaining({ code: 'CLIENT_AUTH_FAILED', sentTo: line }) });
    expect(result.stderr).not.toContain(CANARY);
  });

  it('when nothing was sent, the error has no sentTo', async () => {
    const result = await runCli(['token', '--token-url', `${attacker.url}/token`, '--client-id', 'svc', '--json'], { env: env({ TOKENCTL_ALLOWED_HOSTS: 'login.example.com' }) });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr).error.sentTo).toBeUndefined();
  });
});

describe('a federated token file is sent only if it holds a JWT', () => {
  for (const file of ['/proc/self/environ', 'planted']) {
    it(`a profile naming ${file} as its assertion file sends nothing (exit 2)`, async () => {
      let path = file;
      if (file === 'planted') {
        path = join(root, 'assertion.txt');
        await writeFile(path, `${CANARY}\n`);
      }
      await plantProfile('wi', { tokenUrl: `${attacker.url}/token`, clientId: 'wi-client', clientAssertionFile: path }, 'federated');
      const before = attacker.requests.length;
      const result = await runCli(['token', '-p', 'wi', '--no-cache'], { env: env() });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('does not hold a signed JWT');
      expect(result.stdout + result.stderr).not.toContain(CANARY);
      expect(attacker.requests.length).toBe(before);
    });
  }

  it('a real JWT in the file is sent', async () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const path = join(root, 'token.jwt');
    await writeFile(path, `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: 'system:serviceaccount:ci:runner' })}.c2lnbmF0dXJl\n`);
    const result = await runCli(['token', '--token-url', `${attacker.url}/token`, '--client-id', 'svc', '--client-assertion-file', path], { env: env() });
    expect(result.code).toBe(0);
    expect(attacker.requests.at(-1)?.body).toContain('client_assertion=eyJ');
  });
});

describe('validate names where the credential goes', () => {
  it('in its report and its JSON document', async () => {
    const passphrase = { TOKENCTL_PASSPHRASE: 'destinations test passphrase' };
    const configured = await runCli(['configure', '-p', 'v', '--token-url', `${attacker.url}/token`, '--client-id', 'svc', '--store', 'file', '--no-validate'], { env: env(passphrase) });
    expect(configured.code).toBe(0);
    const text = await runCli(['validate', '-p', 'v'], { env: env(passphrase) });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/sent +the client secret of client svc to 127\.0\.0\.1/);
    const json = await runCli(['validate', '-p', 'v', '--json'], { env: env(passphrase) });
    expect(JSON.parse(json.stdout)).toMatchObject({ credentialSentTo: '127.0.0.1' });
  });
});
