import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, makeChain, makePkcs12, makeJavaKeystoreHeader, type TestCertificate } from '../support/certs.js';
import { runCli } from '../support/cli.js';
import { startEntraEmulator, type EntraEmulator } from '../support/entra-emulator.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { certificateThumbprints } from '../support/tls.js';

const TENANT = '9660ad26-896d-4438-a013-e3ee23b57b7c';
const API_APP = 'cdc128ef-09ca-46ca-a349-57c0c248cad7';
const API_URI = `api://${API_APP}`;
const SECRET_APP = '2974926a-0818-407b-a86c-b7616ce3a81a';
const CERT_APP = '5b0e5c1a-6a8d-4c4f-9d57-2a1f1b7e0c11';
const X5C_APP = '6c1f6d2b-7b9e-4d50-8e68-3b2a2c8f1d22';
const EXPIRED_APP = '7d2a7e3c-8caf-4e61-9f79-4c3b3d9a2e33';
const SECRET = 'Sup3r~Secret.Value:+%/ü';
const SECRET_ID = 'a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b';

let emulator: EntraEmulator;
let proxy: TestProxy;
let dir: string;
let cert: TestCertificate;
let unregistered: TestCertificate;
let pemPath: string;

const secretArgs = (...extra: string[]) => ['token', '--tenant', 'contoso.onmicrosoft.com', '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', SECRET_APP, '--resource', API_URI, ...extra];
const certArgs = (...extra: string[]) => ['token', '--tenant', TENANT, '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', CERT_APP, '--resource', API_URI, ...extra];
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
const secretEnv = { TOKENCTL_CLIENT_SECRET: SECRET };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenctl-entra-'));
  cert = makeCertificate({ commonName: 'erp-client' });
  unregistered = makeCertificate({ commonName: 'not-uploaded' });
  pemPath = join(dir, 'client.pem');
  writeFileSync(pemPath, cert.certPem + cert.keyPem);
  emulator = await startEntraEmulator({
    tenants: [{ id: TENANT, domains: ['contoso.onmicrosoft.com'], displayName: 'Contoso' }, { id: '11111111-2222-3333-4444-555555555555', otherCloud: true }],
    resources: [{ tenantId: TENANT, appId: API_APP, appIdUri: API_URI, displayName: 'DecisionRules Solver API' }],
    apps: [
      { tenantId: TENANT, clientId: SECRET_APP, displayName: 'ERP', secrets: [{ value: SECRET, secretId: SECRET_ID }], roles: { [API_APP]: ['Solver'] } },
      { tenantId: TENANT, clientId: CERT_APP, displayName: 'ERP (certificate)', certificates: [cert.certPem], roles: { [API_APP]: ['Solver'] } },
      { tenantId: TENANT, clientId: X5C_APP, displayName: 'SNI app', certificates: [cert.certPem], requireX5c: true },
      { tenantId: TENANT, clientId: EXPIRED_APP, displayName: 'Old', secrets: [{ value: 'old-secret', secretId: randomUUID(), expiresAt: new Date(Date.now() - 86_400_000) }] },
    ],
  });
  proxy = await startProxy();
});
afterAll(async () => {
  await emulator.close();
  await proxy.close();
});

describe('Entra ID with a client secret', () => {
  it('posts the secret (the Entra default) and prints the token', async () => {
    const result = await runCli(secretArgs(), { env: secretEnv });
    // Not on a terminal: one line names where the credential went, nothing else.
    expect(result.stderr).toMatch(/^tokenctl: sending the [^\n]* to 127\.0\.0\.1\n$/);
    expect(result.code).toBe(0);
    expect(claims(result.stdout.trim())).toMatchObject({ aud: API_APP, tid: TENANT, azp: SECRET_APP, azpacr: '1', roles: ['Solver'] });
    const sent = emulator.requests.at(-1);
    expect(sent?.path).toBe('/contoso.onmicrosoft.com/oauth2/v2.0/token');
    expect(sent?.form).toMatchObject({ grant_type: 'client_credentials', client_id: SECRET_APP, client_secret: SECRET, scope: `${API_URI}/.default` });
  });

  it('client_secret_basic form-urlencodes a secret with :, +, %, / and non-ASCII', async () => {
    const result = await runCli(secretArgs('--auth-method', 'client_secret_basic'), { env: secretEnv });
    expect(result.code).toBe(0);
    expect(emulator.requests.at(-1)?.basicAuth).toEqual({ id: SECRET_APP, secret: SECRET });
  });

  it('a wrong secret: exit 5, AADSTS7000215 with trace and correlation ids, and the fix', async () => {
    const result = await runCli(secretArgs(), { env: { TOKENCTL_CLIENT_SECRET: 'wrong-secret' } });
    expect(result).toMatchObject({ code: 5, stdout: '' });
    expect(result.stderr).toContain('AADSTS7000215');
    expect(result.stderr).toMatch(/trace ID [0-9a-f-]{36}, correlation ID [0-9a-f-]{36}/);
    expect(result.stderr).toContain("Send the secret's Value");
    expect(result.stderr).not.toContain('wrong-secret');
  });

  it('the secret ID pasted instead of the value is recognised', async () => {
    const result = await runCli(secretArgs('--json'), { env: { TOKENCTL_CLIENT_SECRET: SECRET_ID } });
    const { error } = JSON.parse(result.stderr);
    expect(error).toMatchObject({ code: 'CLIENT_SECRET_INVALID', exitCode: 5, hint: expect.stringContaining("looks like a GUID: that is the secret's ID") });
  });

  it.each([
    ['an expired secret', () => ['token', '--tenant', TENANT, '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', EXPIRED_APP, '--resource', API_URI], { TOKENCTL_CLIENT_SECRET: 'old-secret' }, 'AADSTS7000222', 'has expired'],
    ['an unknown client', () => secretArgs('--client-id', '00000000-0000-0000-0000-000000000001'), secretEnv, 'AADSTS700016', 'No application with client ID 00000000-0000-0000-0000-000000000001'],
    ['an unknown tenant', () => ['token', '--tenant', 'fabrikam.onmicrosoft.com', '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', SECRET_APP, '--resource', API_URI], secretEnv, 'AADSTS90002', 'Tenant fabrikam.onmicrosoft.com was not found'],
    ['a tenant in another cloud', () => ['token', '--tenant', '11111111-2222-3333-4444-555555555555', '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', SECRET_APP, '--resource', API_URI], secretEnv, 'AADSTS50049', '--cloud'],
    ['an API not in the tenant', () => secretArgs('--resource', 'api://not-here'), secretEnv, 'AADSTS500011', 'Application ID URI'],
  ])('%s: exit 5 with its own hint', async (_name, args, env, code, hint) => {
    const result = await runCli(args().filter((arg, i, all) => !(arg === '--resource' && all.lastIndexOf('--resource') !== i) && !(i > 0 && all[i - 1] === '--resource' && all.lastIndexOf('--resource') !== i - 1)), { env, });
    expect(result).toMatchObject({ code: 5, stdout: '' });
    expect(result.stderr).toContain(code);
    expect(result.stderr).toContain(hint);
  });

  it('refuses a scope without /.default before sending anything', async () => {
    const before = emulator.requests.length;
    const result = await runCli(['token', '--tenant', TENANT, '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', SECRET_APP, '--scope', `${API_URI}/Solver.Run`], { env: secretEnv });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--resource ${API_URI}`);
    expect(emulator.requests.length).toBe(before);
  });
});

describe('Entra ID with a certificate', () => {
  it('PEM: PS256 with x5t#S256, aud = the token URL, a fresh jti, 300 s lifetime', async () => {
    const result = await runCli(certArgs('--certificate', pemPath), {});
    // Not on a terminal: one line names where the credential went, nothing else.
    expect(result.stderr).toMatch(/^tokenctl: sending the [^\n]* to 127\.0\.0\.1\n$/);
    expect(result.code).toBe(0);
    expect(claims(result.stdout.trim())).toMatchObject({ azp: CERT_APP, azpacr: '2' });
    const { assertion } = emulator.requests.at(-1)!;
    expect(assertion?.header).toMatchObject({ alg: 'PS256', typ: 'JWT', 'x5t#S256': certificateThumbprints(cert.certPem).x5tS256 });
    expect(assertion?.header).not.toHaveProperty('x5c');
    expect(assertion?.payload).toMatchObject({ iss: CERT_APP, sub: CERT_APP, aud: emulator.tokenUrl(TENANT), jti: expect.any(String) });
    expect((assertion?.payload.exp as number) - (assertion?.payload.nbf as number)).toBe(300);
  });

  it('--assertion-alg RS256 sends the legacy x5t', async () => {
    const result = await runCli(certArgs('--certificate', pemPath, '--assertion-alg', 'RS256'));
    expect(result.code).toBe(0);
    expect(emulator.requests.at(-1)?.assertion?.header).toMatchObject({ alg: 'RS256', x5t: certificateThumbprints(cert.certPem).x5t });
  });

  it('PKCS#12 with its password in TOKENCTL_CERTIFICATE_PASSWORD, --thumbprint checked, thumbprints shown with --verbose', async () => {
    const pfx = join(dir, 'client.pfx');
    writeFileSync(pfx, makePkcs12({ entries: [{ certPem: cert.certPem, keyPem: cert.keyPem, alias: 'erp' }], password: 'pfx-pass' }));
    const sha1 = certificateThumbprints(cert.certPem).x5t;
    const hex = Buffer.from(sha1, 'base64url').toString('hex').toUpperCase();
    const colons = hex.match(/../g)!.join(':').toLowerCase();
    const result = await runCli(certArgs('--certificate', pfx, '--thumbprint', colons, '--verbose'), { env: { TOKENCTL_CERTIFICATE_PASSWORD: 'pfx-pass' } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`thumbprint SHA-1 ${hex}`);
    expect(result.stderr).toContain('SHA-256');
    const wrong = await runCli(certArgs('--certificate', pfx), { env: { TOKENCTL_CERTIFICATE_PASSWORD: 'nope' } });
    expect(wrong).toMatchObject({ code: 2, stdout: '' });
    expect(wrong.stderr).toContain('TOKENCTL_CERTIFICATE_PASSWORD');
    expect(wrong.stderr).not.toContain('nope');
  });

  it('a --thumbprint that does not match fails before sending (exit 2)', async () => {
    const before = emulator.requests.length;
    const result = await runCli(certArgs('--certificate', pemPath, '--thumbprint', 'AB'.repeat(20)));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('thumbprint');
    expect(emulator.requests.length).toBe(before);
  });

  it('a certificate that was never uploaded: AADSTS700027 with its thumbprint in the hint', async () => {
    const file = join(dir, 'unregistered.pem');
    writeFileSync(file, unregistered.certPem + unregistered.keyPem);
    const result = await runCli(certArgs('--certificate', file));
    expect(result).toMatchObject({ code: 5, stdout: '' });
    expect(result.stderr).toContain('AADSTS700027');
    expect(result.stderr).toContain(Buffer.from(certificateThumbprints(unregistered.certPem).x5t, 'base64url').toString('hex').toUpperCase());
  });

  it('subject-name/issuer apps need --send-x5c', async () => {
    const args = ['token', '--tenant', TENANT, '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', X5C_APP, '--resource', 'https://graph.microsoft.com', '--certificate', pemPath];
    const without = await runCli(args);
    expect(without.code).toBe(5);
    expect(without.stderr).toContain('--send-x5c');
    const withChain = await runCli([...args, '--send-x5c']);
    expect(withChain.code).toBe(0);
    expect(emulator.requests.at(-1)?.assertion?.header.x5c).toHaveLength(1);
  });

  it('an expired certificate is refused locally; a JCEKS keystore gets the keytool command', async () => {
    const expired = makeCertificate({ commonName: 'old', expired: true });
    const expiredPath = join(dir, 'expired.pem');
    writeFileSync(expiredPath, expired.certPem + expired.keyPem);
    const result = await runCli(certArgs('--certificate', expiredPath));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/expired/);
    const jks = join(dir, 'client.jceks');
    writeFileSync(jks, makeJavaKeystoreHeader('JCEKS'));
    const jksResult = await runCli(certArgs('--certificate', jks));
    expect(jksResult.code).toBe(2);
    expect(jksResult.stderr).toContain('keytool -importkeystore');
  });

  it('signs a fresh assertion for every retry', async () => {
    emulator.enqueue({ status: 503, body: 'busy' });
    const before = emulator.requests.length;
    const result = await runCli(certArgs('--certificate', pemPath));
    expect(result.code).toBe(0);
    const [first, second] = emulator.requests.slice(before);
    const jti = (request: typeof first) => (claims(request!.form.client_assertion as string).jti as string);
    expect(jti(first)).not.toBe(jti(second));
  });
});

describe('workload identity federation', () => {
  it('AZURE_* variables and a federated token file: no secret, no flags but --resource', async () => {
    const file = join(dir, 'federated-token');
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'PS256', 'x5t#S256': certificateThumbprints(cert.certPem).x5tS256 })
      .setIssuer(CERT_APP)
      .setSubject(CERT_APP)
      .setAudience(emulator.tokenUrl(TENANT))
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('5m')
      .sign(createPrivateKey(cert.keyPem));
    writeFileSync(file, `${assertion}\n`);
    const result = await runCli(['token', '--ca-file', emulator.caFile, '--resource', API_URI], {
      env: { AZURE_CLIENT_ID: CERT_APP, AZURE_TENANT_ID: TENANT, AZURE_AUTHORITY_HOST: emulator.authorityHost, AZURE_FEDERATED_TOKEN_FILE: file },
    });
    // Not on a terminal: one line names where the credential went, nothing else.
    expect(result.stderr).toMatch(/^tokenctl: sending the [^\n]* to 127\.0\.0\.1\n$/);
    expect(result.code).toBe(0);
    expect(emulator.requests.at(-1)?.form.client_assertion).toBe(assertion);
  });
});

describe('TLS and proxies', () => {
  it('without the test CA: exit 6 naming the host and pointing at --ca-file', async () => {
    const args = secretArgs().filter((arg) => arg !== '--ca-file' && arg !== emulator.caFile);
    const result = await runCli(args, { env: secretEnv });
    expect(result).toMatchObject({ code: 6, stdout: '' });
    expect(result.stderr).toContain(`TLS handshake with ${new URL(emulator.url).host} failed`);
    expect(result.stderr).toContain('--ca-file');
  });

  it('NODE_EXTRA_CA_CERTS is honoured', async () => {
    const args = secretArgs().filter((arg) => arg !== '--ca-file' && arg !== emulator.caFile);
    expect((await runCli(args, { env: { ...secretEnv, NODE_EXTRA_CA_CERTS: emulator.caFile } })).code).toBe(0);
  });

  it('--ca-file adds to the trusted CAs: NODE_EXTRA_CA_CERTS still counts beside it, and a bundle counts whole', async () => {
    const otherCa = join(dir, 'other-ca.pem');
    writeFileSync(otherCa, makeChain('another private').ca.certPem);
    const args = secretArgs().map((arg) => (arg === emulator.caFile ? otherCa : arg));
    expect((await runCli(args, { env: secretEnv })).code).toBe(6);
    expect(await runCli(args, { env: { ...secretEnv, NODE_EXTRA_CA_CERTS: emulator.caFile } })).toMatchObject({ code: 0, stderr: expect.stringMatching(/^tokenctl: sending [^\n]*\n$/) });
    const bundle = join(dir, 'bundle.pem');
    writeFileSync(bundle, readFileSync(otherCa, 'utf8') + emulator.caPem);
    const bundled = secretArgs().map((arg) => (arg === emulator.caFile ? bundle : arg));
    expect(await runCli(bundled, { env: secretEnv })).toMatchObject({ code: 0, stderr: expect.stringMatching(/^tokenctl: sending [^\n]*\n$/) });
  });

  it('HTTPS_PROXY tunnels the request through the proxy; NO_PROXY bypasses it', async () => {
    const before = proxy.connects.length;
    const result = await runCli(secretArgs(), { env: { ...secretEnv, HTTPS_PROXY: proxy.url } });
    expect(result.code).toBe(0);
    expect(proxy.connects.slice(before)).toEqual([new URL(emulator.url).host]);
    await runCli(secretArgs(), { env: { ...secretEnv, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
    expect(proxy.connects.length).toBe(before + 1);
  });

  it('--proxy does the same without the environment', async () => {
    const before = proxy.connects.length;
    expect((await runCli(secretArgs('--proxy', proxy.url), { env: secretEnv })).code).toBe(0);
    expect(proxy.connects.length).toBe(before + 1);
  });
});
