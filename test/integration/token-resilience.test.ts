import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const servers: ScriptedServer[] = [];
async function server(script: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const started = await startScriptedServer(script);
  servers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const secretEnv = { TOKENCTL_CLIENT_SECRET: 'resilience-secret' };
const tokenArgs = (url: string, ...extra: string[]) => ['token', '--token-url', `${url}/token`, '--client-id', 'svc', ...extra];

describe('retries and failures over plain http on loopback', () => {
  it('429 with Retry-After, then 200: waits, retries once, prints only the token', async () => {
    const idp = await server([{ status: 429, headers: { 'retry-after': '1' }, body: '' }]);
    const started = Date.now();
    const result = await runCli(tokenArgs(idp.url, '--verbose'), { env: secretEnv });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('scripted-access-token\n');
    expect(idp.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.stderr).toContain('HTTP 429; retrying in 1.0s (attempt 2 of 3)');
  });

  it('gives up after three 503s with exit 6', async () => {
    const idp = await server([{ status: 503 }, { status: 503 }, { status: 503, headers: { 'content-type': 'text/plain' }, body: 'maintenance' }]);
    const result = await runCli(tokenArgs(idp.url), { env: secretEnv });
    expect(result).toMatchObject({ code: 6, stdout: '' });
    expect(idp.requests).toHaveLength(3);
    expect(result.stderr).toContain('HTTP 503, text/plain: "maintenance"');
  });

  it('an HTML 502 from a proxy: retried, then exit 6 with status, content type and a short excerpt', async () => {
    const page = { status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>' };
    const idp = await server([page, page, page]);
    const result = await runCli(tokenArgs(idp.url), { env: secretEnv });
    expect(result).toMatchObject({ code: 6, stdout: '' });
    expect(result.stderr).toContain('HTTP 502, text/html: "502 Bad Gateway nginx"');
  });

  it('never retries a 400', async () => {
    const idp = await server([{ status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"invalid_request","error_description":"bad"}' }]);
    const result = await runCli(tokenArgs(idp.url), { env: secretEnv });
    expect(result.code).toBe(5);
    expect(idp.requests).toHaveLength(1);
  });

  it('does not follow a redirect: exit 6 naming the Location, and the target is never contacted', async () => {
    const elsewhere = await server([]);
    const idp = await server([{ status: 307, headers: { location: `${elsewhere.url}/token` } }]);
    const result = await runCli(tokenArgs(idp.url), { env: secretEnv });
    expect(result).toMatchObject({ code: 6, stdout: '' });
    expect(result.stderr).toContain(`redirecting to ${elsewhere.url}/token`);
    expect(idp.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('a hanging server: --timeout bounds the whole command (exit 6)', async () => {
    const idp = await server([{ hang: true }]);
    const started = Date.now();
    const result = await runCli(tokenArgs(idp.url, '--timeout', '2'), { env: secretEnv });
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ code: 6, stdout: '' });
    expect(result.stderr).toContain('within the 2s timeout');
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(6000);
  });

  it('a refused connection is retried, then reported with the host (exit 6)', async () => {
    const result = await runCli(['token', '--token-url', 'http://127.0.0.1:9/token', '--client-id', 'svc'], { env: secretEnv });
    expect(result).toMatchObject({ code: 6, stdout: '' });
    expect(result.stderr).toContain('cannot reach 127.0.0.1:9');
  });

  it('warns when the server clock is off by more than a minute', async () => {
    const skewed = new Date(Date.now() - 10 * 60_000).toUTCString();
    const idp = await server([{ status: 200, headers: { 'content-type': 'application/json', date: skewed }, body: JSON.stringify({ token_type: 'Bearer', access_token: 't', expires_in: 60 }) }]);
    const result = await runCli(tokenArgs(idp.url), { env: secretEnv });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning this machine's clock is 6\d\ds ahead of the server's/);
  });
});

describe('refused before sending (exit 2)', () => {
  it.each([
    [['token', '--token-url', 'http://auth.example.com/token', '--client-id', 'x'], 'must use https'],
    [['token', '--token-url', 'not a url', '--client-id', 'x'], 'not a valid URL'],
    [['token', '--tenant', 'common', '--client-id', 'x', '--resource', 'api://x'], 'not a tenant'],
    [['token', '--tenant', 'contoso.onmicrosoft.com', '--client-id', 'x', '--scope', 'api://orders/Orders.Read'], 'AADSTS1002012'],
    [['token', '--token-url', 'https://auth.example.com/token', '--client-id', ' '], 'no client ID'],
    [['token', '--token-url', 'https://auth.example.com/token', '--client-id', 'svc', '--client-secret', 'hunter2'], 'never accepted on the command line'],
  ])('%j', async (args, text) => {
    const result = await runCli(args as string[], { env: secretEnv });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain(text);
  });

  it('a blank secret and a missing credential', async () => {
    const blank = await runCli(['token', '--token-url', 'https://auth.example.com/token', '--client-id', 'svc'], { env: { TOKENCTL_CLIENT_SECRET: '  ' } });
    expect(blank).toMatchObject({ code: 2 });
    expect(blank.stderr).toContain('blank');
    const none = await runCli(['token', '--token-url', 'https://auth.example.com/token', '--client-id', 'svc']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no client credential given');
  });
});

describe('what is sent, and discovery fallbacks', () => {
  it('falls back to RFC 8414 metadata when OpenID discovery is not found, and sends scope, resource, audience and extra params', async () => {
    const metadata = { status: 200, headers: { 'content-type': 'application/json' }, body: '' };
    const withMetadata = await server([{ status: 404 }, metadata]);
    // The issuer names the server's own port, known only once it listens.
    metadata.body = JSON.stringify({ issuer: `${withMetadata.url}/tenant-a`, token_endpoint: `${withMetadata.url}/oauth/token`, token_endpoint_auth_methods_supported: ['client_secret_post'] });
    const result = await runCli(
      ['token', '--issuer', `${withMetadata.url}/tenant-a`, '--client-id', 'svc', '--scope', 'read', '--scope', 'write', '--resource', 'https://api.example.com', '--audience', 'orders', '--param', 'tenant=a=b'],
      { env: secretEnv },
    );
    expect(result.stderr).toBe(`tokenctl: sending the client secret of client svc to 127.0.0.1\n`);
    expect(result.code).toBe(0);
    expect(withMetadata.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /tenant-a/.well-known/openid-configuration',
      'GET /.well-known/oauth-authorization-server/tenant-a',
      'POST /oauth/token',
    ]);
    const sent = new URLSearchParams(withMetadata.requests[2]?.body);
    // Discovery listed only client_secret_post, so the secret goes in the body.
    expect(Object.fromEntries(sent)).toEqual({
      grant_type: 'client_credentials',
      scope: 'read write',
      resource: 'https://api.example.com',
      audience: 'orders',
      tenant: 'a=b',
      client_id: 'svc',
      client_secret: 'resilience-secret',
    });
    expect(withMetadata.requests[2]?.headers['user-agent']).toMatch(/^tokenctl\/\d+\.\d+\.\d+ /);
    expect(withMetadata.requests[2]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('re-reads --client-assertion-file for every attempt', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'tokenctl-assertion-')), 'token');
    // Federated tokens are JWTs: a file holding anything else is never sent.
    const jwt = (sub: string) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.c2ln`;
    writeFileSync(file, `${jwt('first')}\n`);
    const idp = await server([{ status: 503, onServe: () => writeFileSync(file, `${jwt('second')}\n`) }]);
    const result = await runCli(tokenArgs(idp.url, '--client-assertion-file', file));
    expect(result.code).toBe(0);
    const assertions = idp.requests.map((r) => new URLSearchParams(r.body).get('client_assertion'));
    expect(assertions).toEqual([jwt('first'), jwt('second')]);
  });

  it('a missing --client-assertion-file is exit 2 naming the file, not an internal error', async () => {
    const idp = await server([{ status: 200, headers: { 'content-type': 'application/json' }, body: '{"access_token":"t","token_type":"Bearer"}' }]);
    const result = await runCli(tokenArgs(idp.url, '--client-assertion-file', '/nonexistent/tokenctl/federated-token'));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('cannot read the federated token file /nonexistent/tokenctl/federated-token');
    expect(result.stderr).not.toContain('internal error');
    expect(idp.requests).toHaveLength(0);
  });

  it('caps the response body at 1 MiB (exit 6)', async () => {
    const idp = await server([{ status: 200, headers: { 'content-type': 'application/json' }, body: `{"access_token":"${'a'.repeat(1024 * 1024 + 10)}"}` }]);
    const result = await runCli(tokenArgs(idp.url), { env: secretEnv });
    expect(result).toMatchObject({ code: 6, stdout: '' });
    expect(result.stderr).toContain('larger than 1 MiB');
  });
});
