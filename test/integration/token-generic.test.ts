import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startOidcProvider, type OidcProviderHarness } from '../support/oidc-provider.js';

let idp: OidcProviderHarness;
let dir: string;

beforeAll(async () => {
  idp = await startOidcProvider();
  dir = mkdtempSync(join(tmpdir(), 'tokenctl-generic-'));
});
afterAll(() => idp.close());

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;

describe('token against oidc-provider', () => {
  it('client_secret_basic (the default) with a secret full of :, +, % and spaces, from the environment', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretBasic;
    const before = idp.tokenRequests();
    const result = await runCli(['token', '--token-url', idp.tokenEndpoint, '--client-id', clientId, '--resource', idp.resource, '--scope', 'read'], {
      env: { TOKENCTL_CLIENT_SECRET: clientSecret },
    });
    // Not on a terminal: one line names where the credential went, nothing else.
    expect(result.stderr).toMatch(/^tokenctl: sending the [^\n]* to 127\.0\.0\.1\n$/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(claims(result.stdout.trim())).toMatchObject({ aud: idp.resource, client_id: clientId, scope: 'read' });
    expect(idp.tokenRequests()).toBe(before + 1);
    const sent = idp.requests.at(-1);
    expect(sent?.authorization).toMatch(/^Basic /);
    expect(sent?.form).not.toHaveProperty('client_secret');
  });

  it('client_secret_post with the secret on stdin', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const result = await runCli(['token', '--token-url', idp.tokenEndpoint, '--client-id', clientId, '--client-secret-stdin', '--auth-method', 'client_secret_post', '--scope', 'read write', '-o', 'json'], {
      input: `${clientSecret}\n`,
    });
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(Object.keys(doc)).toEqual(['access_token', 'token_type', 'expires_in', 'expires_at', 'scope']);
    expect(doc).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number), scope: 'read write' });
    expect(Date.parse(doc.expires_at) - Date.now()).toBeGreaterThan(200_000);
    expect(idp.requests.at(-1)?.form).toMatchObject({ client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' });
  });

  it('private_key_jwt with a certificate, discovering the endpoint from --issuer', async () => {
    const { clientId, certificatePath, privateKeyPath } = idp.clients.privateKeyJwt;
    const result = await runCli(['token', '--issuer', idp.issuer, '--client-id', clientId, '--certificate', certificatePath, '--private-key', privateKeyPath, '--scope', 'read', '-o', 'header']);
    // The harness's certificate is valid for one day: a warning on stderr, the data alone on stdout.
    expect(result.stderr).toMatch(/^warning certificate CN=tokenctl test client expires in 23h \d+m .*upload a new one/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Authorization: Bearer eyJ/);
    const assertion = idp.requests.at(-1)?.form.client_assertion as string;
    expect(claims(assertion)).toMatchObject({ iss: clientId, sub: clientId, aud: idp.issuer });
  });

  it('private_key_jwt with the assertion audience set to the token endpoint', async () => {
    const { clientId, certificatePath, privateKeyPath } = idp.clients.privateKeyJwt;
    const result = await runCli(['token', '--token-url', idp.tokenEndpoint, '--client-id', clientId, '--certificate', certificatePath, '--private-key', privateKeyPath, '--assertion-audience', 'token-endpoint', '-o', 'env']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^export ACCESS_TOKEN='eyJ[^']+'\n$/);
  });

  it('a wrong secret is exit 5 with the hint to try the other method, and nothing on stdout', async () => {
    const result = await runCli(['token', '--token-url', idp.tokenEndpoint, '--client-id', idp.clients.clientSecretPost.clientId], { env: { TOKENCTL_CLIENT_SECRET: 'wrong' } });
    expect(result).toMatchObject({ code: 5, stdout: '' });
    expect(result.stderr).toContain('invalid_client');
    expect(result.stderr).toContain('try --auth-method client_secret_post');
  });

  it('reads the secret from a file, stripping one trailing newline only', async () => {
    const file = join(dir, 'secret.txt');
    writeFileSync(file, `${idp.clients.clientSecretPost.clientSecret}\n`);
    const result = await runCli(['token', '--issuer', idp.issuer, '--client-id', idp.clients.clientSecretPost.clientId, '--client-secret-file', file, '--auth-method', 'client_secret_post']);
    expect(result.code).toBe(0);
  });

  it('--verbose traces the request and response with the secret and token redacted', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const result = await runCli(['token', '--verbose', '--token-url', idp.tokenEndpoint, '--client-id', clientId, '--auth-method', 'client_secret_post'], {
      env: { TOKENCTL_CLIENT_SECRET: clientSecret },
    });
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(result.stderr).toContain(`POST ${idp.tokenEndpoint}`);
    expect(result.stderr).toContain('client_secret=<redacted>');
    expect(result.stderr).toMatch(/HTTP 200 in \d+ ms/);
    expect(result.stderr).toContain('"access_token":"<redacted>');
    expect(result.stderr).not.toContain(clientSecret);
    expect(result.stderr).not.toContain(token);
  });
});

describe('private_key_jwt with a PKCS#12 store', () => {
  it('signs with the key from a .p12 whose password is in the environment', async () => {
    const { readFileSync } = await import('node:fs');
    const { makePkcs12 } = await import('../support/certs.js');
    const { clientId, certificatePath, privateKeyPath } = idp.clients.privateKeyJwt;
    const p12 = join(dir, 'client.p12');
    writeFileSync(p12, makePkcs12({ entries: [{ certPem: readFileSync(certificatePath, 'utf8'), keyPem: readFileSync(privateKeyPath, 'utf8'), alias: 'svc' }], password: 'p12-pass' }));
    const result = await runCli(['token', '--issuer', idp.issuer, '--client-id', clientId, '--certificate', p12, '--scope', 'read'], { env: { TOKENCTL_CERTIFICATE_PASSWORD: 'p12-pass' } });
    expect(result.code).toBe(0);
    expect(claims(result.stdout.trim())).toMatchObject({ client_id: clientId, aud: idp.resource });
  });
});
