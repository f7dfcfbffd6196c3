import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startEntraEmulator, type EntraEmulator } from '../support/entra-emulator.js';
import { AUTH0_API, PINGONE_ENVIRONMENT, startProductServer, type ProductServer } from '../support/idp-products.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { startScriptedServer } from '../support/scripted-server.js';

/*
 * Each misconfiguration support engineers meet, answered the way the real product answers it, through
 * the built CLI: the stable code (exit 5 unless said otherwise), the structured fields of --json, and
 * the fix in the product's own terms.
 */

const TENANT = '9660ad26-896d-4438-a013-e3ee23b57b7c';
const API_APP = 'cdc128ef-09ca-46ca-a349-57c0c248cad7';
const API_URI = `api://${API_APP}`;
const APP = '2974926a-0818-407b-a86c-b7616ce3a81a';
const NO_ROLES_APP = '3a85a03b-1929-418c-b97d-c8727df4b92b';
const GOV_APP = '4b96b14c-2a3a-429d-ca8e-d9838e05ca3c';
const GONE_TENANT = '5ca7b1d3-0e2f-4a6b-8c9d-1e2f3a4b5c6d';
const SECRET = 'entra-secret-value';

let entra: EntraEmulator;
let products: ProductServer;
let proxy: TestProxy;

beforeAll(async () => {
  entra = await startEntraEmulator({
    tenants: [
      { id: TENANT, domains: ['contoso.onmicrosoft.com'], displayName: 'Contoso' },
      { id: GONE_TENANT, displayName: 'Fabrikam', decommissioned: true },
    ],
    resources: [{ tenantId: TENANT, appId: API_APP, appIdUri: API_URI, displayName: 'Orders API' }],
    apps: [
      { tenantId: TENANT, clientId: APP, displayName: 'ERP', secrets: [{ value: SECRET, secretId: 'a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b' }], roles: { [API_APP]: ['Orders.Read'] } },
      { tenantId: TENANT, clientId: NO_ROLES_APP, displayName: 'Never consented', secrets: [{ value: SECRET, secretId: 'b3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b' }] },
      { tenantId: TENANT, clientId: GOV_APP, displayName: 'Gov app', homeCloud: 'usgov', secrets: [{ value: SECRET, secretId: 'c3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b' }] },
    ],
  });
  products = await startProductServer({
    good: { secret: 's3cret', scopes: ['orders.read'], audiences: [AUTH0_API] },
    'no-grant': { secret: 's3cret', grantAllowed: false },
    public: { secret: 's3cret', publicClient: true },
    'basic-only': { secret: 's3cret', authMethod: 'client_secret_basic', scopes: ['orders.read'] },
    'post-only': { secret: 's3cret', authMethod: 'client_secret_post', scopes: ['orders.read'] },
    'no-api-grant': { secret: 's3cret', audiences: [] },
    'no-policy': { secret: 's3cret', scopes: ['orders.read'], policyAllows: false },
  });
  proxy = await startProxy({ credentials: 'alice:proxy-pass' });
});
afterAll(async () => {
  await entra.close();
  await products.close();
  await proxy.close();
});

const entraArgs = (clientId: string, ...extra: string[]) => ['token', '--tenant', TENANT, '--authority-host', entra.authorityHost, '--ca-file', entra.caFile, '--client-id', clientId, ...extra];
const env = { TOKENCTL_CLIENT_SECRET: SECRET };

async function jsonError(args: string[], secret = SECRET) {
  const result = await runCli([...args, '--json'], { env: { TOKENCTL_CLIENT_SECRET: secret } });
  expect(result.stdout).toBe('');
  const { error } = JSON.parse(result.stderr) as { error: Record<string, unknown> };
  expect(error.exitCode).toBe(result.code);
  return error;
}

describe('errors as data', () => {
  it('an Entra refusal carries status, OAuth error, description, AADSTS codes, trace and correlation ids, timestamp, request ids, host and attempts', async () => {
    const error = await jsonError(entraArgs(APP, '--resource', API_URI), 'wrong-secret');
    expect(error).toMatchObject({
      code: 'CLIENT_SECRET_INVALID',
      exitCode: 5,
      httpStatus: 401,
      oauthError: 'invalid_client',
      errorDescription: expect.stringMatching(/^AADSTS7000215: Invalid client secret provided/),
      aadstsCodes: [7000215],
      traceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
      requestIds: { 'x-ms-request-id': expect.any(String) },
      host: new URL(entra.url).host,
      attempts: 1,
    });
    expect(JSON.stringify(error)).not.toContain('wrong-secret');
  });

  it('a network error names its phase and host: connect, dns, tls', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await jsonError(['token', '--token-url', `http://127.0.0.1:${port}/token`, '--client-id', 'x', '--timeout', '5']);
    expect(refused).toMatchObject({ code: 'NETWORK_ERROR', exitCode: 6, phase: 'connect', host: `127.0.0.1:${port}` });

    const dns = await jsonError(['token', '--token-url', 'https://tenant-that-does-not-exist.invalid/oauth2/token', '--client-id', 'x', '--timeout', '10']);
    expect(dns).toMatchObject({ code: expect.stringMatching(/^(NETWORK_ERROR|TIMEOUT)$/), exitCode: 6, host: 'tenant-that-does-not-exist.invalid' });
    if (dns.code === 'NETWORK_ERROR') expect(dns.phase).toBe('dns');

    const tls = await jsonError(entraArgs(APP, '--resource', API_URI).filter((arg) => arg !== '--ca-file' && arg !== entra.caFile));
    expect(tls).toMatchObject({ code: 'TLS_ERROR', exitCode: 6, phase: 'tls', host: new URL(entra.url).host });
  });

  it('a proxy that answers 407 is named as wanting credentials, with where they go, at once (not a timeout)', async () => {
    const started = Date.now();
    const result = await runCli(entraArgs(APP, '--resource', API_URI, '--json'), { env: { ...env, HTTPS_PROXY: proxy.url, NO_PROXY: '' } });
    expect(Date.now() - started).toBeLessThan(15_000);
    const { error } = JSON.parse(result.stderr);
    expect(result.code).toBe(6);
    expect(error).toMatchObject({ code: 'PROXY_AUTH_REQUIRED', phase: 'proxy', httpStatus: 407, attempts: 1 });
    expect(error.message).toContain('the proxy wants credentials');
    expect(error.hint).toContain('HTTPS_PROXY=http://user:pass@host:port');
    expect(error.hint).toContain('never on the command line');

    const withCredentials = await runCli(entraArgs(APP, '--resource', API_URI), {
      env: { ...env, HTTPS_PROXY: proxy.url.replace('http://', 'http://alice:proxy-pass@'), NO_PROXY: '' },
    });
    // Only the line naming where the credential went; never the proxy's credentials.
    expect(withCredentials.stderr).toMatch(/^tokenctl: sending the client secret of client \S+ to 127\.0\.0\.1 through the proxy 127\.0\.0\.1\n$/);
    expect(withCredentials.code).toBe(0);
  });
});

describe('Entra ID misconfigurations', () => {
  it('AADSTS900382, an app of another cloud: says which --cloud to use', async () => {
    const error = await jsonError(entraArgs(GOV_APP, '--resource', API_URI));
    expect(error).toMatchObject({ code: 'CLOUD_MISMATCH', exitCode: 5, aadstsCodes: [900382] });
    // The description as Entra sent it, CR LF included: JSON escapes it once, not \\u000d text.
    expect(error.errorDescription).toMatch(/^AADSTS900382: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: /);
    expect(error.errorDescription).not.toContain('\\u000');
    expect(error.hint).toMatch(/--cloud usgov \(Azure US Government, login\.microsoftonline\.us\)/);
    expect(error.hint).toMatch(/--cloud china/);
  });

  it('AADSTS901002, the v1 resource parameter sent to the v2.0 endpoint: says to use scope RESOURCE/.default with --tenant', async () => {
    const error = await jsonError(['token', '--token-url', `${entra.url}/${TENANT}/oauth2/v2.0/token`, '--ca-file', entra.caFile, '--client-id', APP, '--auth-method', 'client_secret_post', '--resource', API_URI]);
    expect(error).toMatchObject({ code: 'RESOURCE_PARAMETER_UNSUPPORTED', exitCode: 5, aadstsCodes: [901002] });
    expect(error.hint).toContain(`tokenctl token --tenant ${TENANT} --resource ${API_URI}`);
    expect(error.hint).toContain(`scope ${API_URI}/.default`);
  });

  it('AADSTS5000224, a deleted or decommissioned tenant (invalid_grant): says so, not "the assertion"', async () => {
    const error = await jsonError(['token', '--tenant', GONE_TENANT, '--authority-host', entra.authorityHost, '--ca-file', entra.caFile, '--client-id', APP, '--resource', API_URI]);
    expect(error).toMatchObject({ code: 'TENANT_NOT_FOUND', exitCode: 5, aadstsCodes: [5000224], oauthError: 'invalid_grant' });
    expect(error.hint).toContain(`tenant ${GONE_TENANT}`);
    expect(error.hint).toMatch(/deleted or deactivated/);
  });

  it('--resource with a permission path is refused before sending, with the exact API to use', async () => {
    const before = entra.requests.length;
    const result = await runCli(entraArgs(APP, '--resource', `${API_URI}/Orders.Read`, '--json'), { env });
    expect(result.code).toBe(2);
    const { error } = JSON.parse(result.stderr);
    expect(error.code).toBe('RESOURCE_IS_PERMISSION');
    expect(error.hint).toContain(`Use --resource ${API_URI} (sent as scope ${API_URI}/.default)`);
    expect(entra.requests.length).toBe(before);

    // The --scope hint names the whole URI, not a cut-off "api:/".
    const scope = await runCli(entraArgs(APP, '--scope', 'api://orders', '--json'), { env });
    expect(JSON.parse(scope.stderr).error.hint).toContain('--resource api://orders;');
  });

  it('a token with neither roles nor scp is warned about in token -v, with the Entra fix', async () => {
    const result = await runCli(entraArgs(NO_ROLES_APP, '--resource', API_URI, '-v'), { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning .*neither roles nor scp/);
    expect(result.stderr).toContain('Grant admin consent');
    const quiet = await runCli(entraArgs(APP, '--resource', API_URI, '-v'), { env });
    expect(quiet.stderr).not.toContain('neither roles nor scp');
  });

  it('validate --json carries that warning in its report (warnings), and stderr stays JSON', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tokenctl-diagnoses-'));
    try {
      const stored = { TOKENCTL_CONFIG_DIR: root, TOKENCTL_PASSPHRASE: 'diagnoses passphrase' };
      const configure = ['configure', '-p', 'never-consented', ...entraArgs(NO_ROLES_APP, '--resource', API_URI).slice(1), '--store', 'file', '--no-validate'];
      expect((await runCli(configure, { env: { ...stored, TOKENCTL_CLIENT_SECRET: SECRET } })).code).toBe(0);
      const result = await runCli(['validate', '-p', 'never-consented', '--json'], { env: stored });
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.warnings).toEqual([expect.stringMatching(/neither roles nor scp.*Grant admin consent/)]);
      expect(result.stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line))).toEqual([{ sentTo: expect.stringContaining(NO_ROLES_APP) }]);

      const failed = await runCli(['validate', '-p', 'never-consented', '--json', '--expect-role', 'Orders.Read'], { env: stored });
      expect(failed.code).toBe(7);
      expect(JSON.parse(failed.stdout).warnings).toHaveLength(1);
      expect(JSON.parse(failed.stderr).error).toMatchObject({ code: 'EXPECTATION_FAILED' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('a refusal nothing recognises', () => {
  it('still gets a next step: the server\'s words, what to check, and -v for the trace', async () => {
    const scripted = await startScriptedServer([{ status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'invalid_request', error_description: 'Something odd' }) }]);
    const result = await runCli(['token', '--token-url', `${scripted.url}/token`, '--client-id', 'c'], { env: { TOKENCTL_CLIENT_SECRET: 's3cret' } });
    await scripted.close();
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/hint +The server refused the request with error "invalid_request" and description "Something odd"/);
    expect(result.stderr).toContain('-v (--verbose)');
  });
});

describe('a 401 without an OAuth body', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it('WWW-Authenticate: Basic is a credential rejection (exit 5), and names client_secret_basic', async () => {
    const scripted = await startScriptedServer([{ status: 401, headers: { 'www-authenticate': 'Basic realm="oauth"' }, body: '' }]);
    const result = await runCli(['token', '--token-url', `${scripted.url}/token`, '--client-id', 'c', '--auth-method', 'client_secret_post', '--json'], { env: { TOKENCTL_CLIENT_SECRET: 's' } });
    await scripted.close();
    expect(result.code).toBe(5);
    const { error } = JSON.parse(result.stderr);
    expect(error).toMatchObject({ code: 'CLIENT_AUTH_FAILED', httpStatus: 401, challenge: 'Basic realm="oauth"' });
    expect(error.hint).toContain('--auth-method client_secret_basic');
  });

  it('WWW-Authenticate: Bearer means the URL is an API, not a token endpoint', async () => {
    const scripted = await startScriptedServer([{ status: 401, headers: { 'www-authenticate': 'Bearer realm="api", error="invalid_token"' }, body: '' }]);
    const result = await runCli(['token', '--token-url', `${scripted.url}/api/orders`, '--client-id', 'c', '--json'], { env: { TOKENCTL_CLIENT_SECRET: 's' } });
    await scripted.close();
    expect(result.code).toBe(5);
    expect(JSON.parse(result.stderr).error).toMatchObject({ code: 'TOKEN_ENDPOINT_WRONG', hint: expect.stringContaining('not a token endpoint') });
  });
});

interface Case {
  name: string;
  args: () => string[];
  secret?: string;
  code: string;
  hint: RegExp;
  notHint?: RegExp;
}

const ENTRA_ONLY = /app registration|admin consent|Certificates & secrets|Entra/;
const generic = (url: () => string, client: string, ...extra: string[]) => () => ['token', '--token-url', url(), '--client-id', client, ...extra];

const cases: Case[] = [
  // Keycloak
  { name: 'Keycloak: a realm that does not exist', args: generic(() => products.keycloak('acme-prod'), 'good'), code: 'TENANT_NOT_FOUND', hint: /realm named in the token URL/ },
  { name: 'Keycloak: a wrong secret (unauthorized_client, not a grant problem)', args: generic(() => products.keycloak('acme'), 'good'), secret: 'nope', code: 'CLIENT_AUTH_FAILED', hint: /Clients > \(the client\) > Credentials/ },
  { name: 'Keycloak: service accounts not enabled', args: generic(() => products.keycloak('acme'), 'no-grant'), code: 'GRANT_NOT_ALLOWED', hint: /Service accounts roles/ },
  { name: 'Keycloak: a public client', args: generic(() => products.keycloak('acme'), 'public'), code: 'CLIENT_IS_PUBLIC', hint: /Client authentication: On/ },
  { name: 'Keycloak: a scope not assigned to the client', args: generic(() => products.keycloak('acme'), 'good', '--scope', 'orders.write'), code: 'SCOPE_INVALID', hint: /Client scopes/ },
  // Okta
  { name: 'Okta: an authorization server that does not exist', args: generic(() => products.okta('defualt'), 'good', '--scope', 'orders.read'), code: 'TENANT_NOT_FOUND', hint: /authorization server/ },
  { name: 'Okta: an unknown client', args: generic(() => products.okta('default'), 'nobody', '--scope', 'orders.read'), code: 'CLIENT_NOT_FOUND', hint: /General tab/ },
  { name: 'Okta: invalid_client for the wrong authentication method', args: generic(() => products.okta('default'), 'basic-only', '--scope', 'orders.read', '--auth-method', 'client_secret_post'), code: 'CLIENT_AUTH_METHOD_WRONG', hint: /--auth-method client_secret_basic/ },
  { name: 'Okta: a wrong secret', args: generic(() => products.okta('default'), 'good', '--scope', 'orders.read'), secret: 'nope', code: 'CLIENT_SECRET_INVALID', hint: /General > Client Credentials/ },
  { name: 'Okta: client credentials not enabled', args: generic(() => products.okta('default'), 'no-grant', '--scope', 'orders.read'), code: 'GRANT_NOT_ALLOWED', hint: /Grant type: check Client Credentials/ },
  { name: 'Okta: no scope and no default scope (custom scopes missing)', args: generic(() => products.okta('default'), 'good'), code: 'SCOPE_REQUIRED', hint: /--scope/ },
  { name: 'Okta: a scope the authorization server lacks', args: generic(() => products.okta('default'), 'good', '--scope', 'orders.write'), code: 'SCOPE_INVALID', hint: /Authorization Servers > \(server\) > Scopes/ },
  { name: 'Okta: no access policy rule', args: generic(() => products.okta('default'), 'no-policy', '--scope', 'orders.read'), code: 'ACCESS_DENIED', hint: /Access Policies/ },
  // Auth0
  { name: 'Auth0: no audience', args: generic(() => products.auth0, 'good'), code: 'AUDIENCE_REQUIRED', hint: /--audience/ },
  { name: 'Auth0: an audience that is no API ("Service not enabled within domain")', args: generic(() => products.auth0, 'good', '--audience', 'https://orders.example.com/api/'), code: 'RESOURCE_NOT_FOUND', hint: /--audience with the API's Identifier exactly .*trailing slash included/ },
  { name: 'Auth0: scopes not granted to the application', args: generic(() => products.auth0, 'good', '--audience', AUTH0_API, '--scope', 'read:users'), code: 'SCOPE_INVALID', hint: /not been granted the scopes asked for \(read:users\).*Machine to Machine Applications/ },
  { name: 'Auth0: no client grant for the API', args: generic(() => products.auth0, 'no-api-grant', '--audience', AUTH0_API), code: 'API_ACCESS_NOT_GRANTED', hint: /Machine to Machine Applications/ },
  { name: 'Auth0: a wrong secret (access_denied "Unauthorized")', args: generic(() => products.auth0, 'good', '--audience', AUTH0_API), secret: 'nope', code: 'CLIENT_AUTH_FAILED', hint: /Settings > Client Secret/ },
  { name: 'Auth0: client credentials not enabled', args: generic(() => products.auth0, 'no-grant', '--audience', AUTH0_API), code: 'GRANT_NOT_ALLOWED', hint: /Grant Types: enable Client Credentials/ },
  // Ping
  { name: 'PingFederate: a wrong secret', args: generic(() => products.pingFederate, 'good'), secret: 'nope', code: 'CLIENT_AUTH_FAILED', hint: /Client Authentication/ },
  { name: 'PingFederate: the grant not allowed', args: generic(() => products.pingFederate, 'no-grant'), code: 'GRANT_NOT_ALLOWED', hint: /Allowed Grant Types/ },
  { name: 'PingFederate: a scope not allowed', args: generic(() => products.pingFederate, 'good', '--scope', 'admin'), code: 'SCOPE_INVALID', hint: /Scope Management/ },
  { name: 'PingOne: the wrong environment', args: generic(() => products.pingOne('00000000-0000-4000-8000-000000000000'), 'good'), code: 'TENANT_NOT_FOUND', hint: /environment/ },
  { name: 'PingOne: the wrong authentication method', args: generic(() => products.pingOne(PINGONE_ENVIRONMENT), 'post-only'), code: 'CLIENT_AUTH_METHOD_WRONG', hint: /Token Endpoint Authentication Method/ },
  { name: 'PingOne: the grant not allowed', args: generic(() => products.pingOne(PINGONE_ENVIRONMENT), 'no-grant'), code: 'GRANT_NOT_ALLOWED', hint: /Worker application/ },
  // Spring Authorization Server
  { name: 'Spring AS: an unknown client', args: generic(() => products.spring, 'nobody'), code: 'CLIENT_NOT_FOUND', hint: /RegisteredClient's clientId/ },
  { name: 'Spring AS: a wrong secret', args: generic(() => products.spring, 'good'), secret: 'nope', code: 'CLIENT_SECRET_INVALID', hint: /\{noop\}/ },
  { name: 'Spring AS: client_secret_post for a basic-only client', args: generic(() => products.spring, 'basic-only', '--auth-method', 'client_secret_post'), code: 'CLIENT_AUTH_METHOD_WRONG', hint: /clientAuthenticationMethods/ },
  { name: 'Spring AS: the grant not registered (bare unauthorized_client)', args: generic(() => products.spring, 'no-grant'), code: 'GRANT_NOT_ALLOWED', hint: /AuthorizationGrantType\.CLIENT_CREDENTIALS/ },
  // Any server
  { name: 'a wrong token URL answering an HTML 404', args: generic(() => `${products.url}/oauth/v2/tokens`, 'good'), code: 'TOKEN_ENDPOINT_WRONG', hint: /check --token-url/ },
];

describe('misconfigurations of Keycloak, Okta, Auth0, Ping and Spring Authorization Server', () => {
  it.each(cases)('$name → $code', async ({ args, secret, code, hint, notHint }) => {
    const error = await jsonError(args(), secret ?? 's3cret');
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(5);
    expect(error.hint).toMatch(hint);
    // Advice for Entra's portal is never given for another product.
    expect(error.hint).not.toMatch(notHint ?? ENTRA_ONLY);
    expect(error.host).toBe(new URL(products.url).host);
    expect(error.httpStatus).toBeGreaterThanOrEqual(400);
  });

  it('the text form names the code-worthy facts and the fix', async () => {
    const result = await runCli(generic(() => products.keycloak('acme'), 'no-grant')(), { env: { TOKENCTL_CLIENT_SECRET: 's3cret' } });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('rejected the request (HTTP 400, unauthorized_client): Client not enabled to retrieve service account');
    expect(result.stderr).toMatch(/hint +The client is not allowed the client-credentials grant on Keycloak/);
  });

  it('PingOne: the correlation ID from the description is a field', async () => {
    const error = await jsonError(generic(() => products.pingOne(PINGONE_ENVIRONMENT), 'good')(), 'nope');
    expect(error.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
