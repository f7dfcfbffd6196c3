import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startOidcProvider, type OidcProviderHarness } from '../support/oidc-provider.js';
import { startScriptedServer } from '../support/scripted-server.js';

let idp: OidcProviderHarness;

beforeAll(async () => {
  idp = await startOidcProvider({ signIn: true });
});
afterAll(() => idp.close());

describe('tokenctl discover', () => {
  it("shows oidc-provider's endpoints and capabilities, and checks them (--json)", async () => {
    const result = await runCli(['discover', '--issuer', idp.issuer, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      issuer: idp.issuer,
      metadataUrl: `${idp.issuer}/.well-known/openid-configuration`,
      endpoints: {
        authorization_endpoint: `${idp.issuer}/auth`,
        token_endpoint: idp.tokenEndpoint,
        userinfo_endpoint: `${idp.issuer}/me`,
        introspection_endpoint: `${idp.issuer}/token/introspection`,
        revocation_endpoint: `${idp.issuer}/token/revocation`,
        device_authorization_endpoint: `${idp.issuer}/device/auth`,
        jwks_uri: `${idp.issuer}/jwks`,
      },
      ok: true,
    });
    expect(report.supported.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']));
    expect(report.supported.code_challenge_methods_supported).toEqual(['S256']);
    expect(report.supported.token_endpoint_auth_methods_supported).toContain('none');
    expect(report.checks).toContainEqual({ name: 'pkce', status: 'ok', message: 'PKCE with S256 is supported' });
    // Plain http is fine only because this is loopback, and it says so.
    expect(report.checks).toContainEqual(expect.objectContaining({ name: 'token_endpoint', status: 'warning' }));
  });

  it('prints a readable summary on a terminal-less stdout too', async () => {
    const result = await runCli(['discover', '--issuer', idp.issuer]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/device authorization\s+http:\/\/127\.0\.0\.1:\d+\/device\/auth/);
    expect(result.stdout).toMatch(/PKCE methods\s+S256/);
  });

  it('fails a server whose metadata names another issuer, shows why, and exits 7', async () => {
    const body = JSON.stringify({ issuer: 'https://evil.example.com', token_endpoint: 'http://evil.example.com/token', response_types_supported: ['code'], authorization_endpoint: 'https://evil.example.com/a\u001b[31m' });
    const scripted = await startScriptedServer([{ status: 200, headers: { 'content-type': 'application/json' }, body }]);
    try {
      const result = await runCli(['discover', '--issuer', scripted.url]);
      expect(result.code).toBe(7);
      expect(result.stdout).toContain('FAIL the metadata names issuer https://evil.example.com');
      expect(result.stdout).toContain('token_endpoint is not https');
      expect(result.stdout).toContain('no jwks_uri');
      // A hostile value never reaches the terminal as an escape sequence.
      expect(result.stdout).not.toContain('\u001b');
      expect(result.stdout).toContain('\\u001b[31m');
      expect(result.stderr).toContain('3 checks of the metadata failed: issuer, token_endpoint, jwks_uri');
    } finally {
      await scripted.close();
    }
  });

  it('needs an issuer, a tenant or a profile', async () => {
    const result = await runCli(['discover', '--json'], { env: { TOKENCTL_PROFILE: undefined } });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr).error.code).toBe('NO_ISSUER');
  });
});
