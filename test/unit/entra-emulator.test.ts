import { createPrivateKey, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createLocalJWKSet, jwtVerify, SignJWT, type JSONWebKeySet, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_APP_ID, JWT_BEARER, startEntraEmulator, type EmulatorApp, type EntraEmulator } from '../support/entra-emulator.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { createSelfSignedCertificate, createTestCertificates, type SelfSignedCertificate, type TestCertificates } from '../support/tls.js';

const TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const DOMAIN = 'contoso.onmicrosoft.com';
const GOV_TENANT_ID = '2b0623dd-90fa-4c5c-bee8-8dc18bd4d948';
const API_APP_ID = 'cdc128ef-7a4c-4c1b-9f3e-5d1e2f3a4b5c';
const API_URI = `api://${API_APP_ID}`;
const SECRET_CLIENT = '11111111-1111-4111-8111-111111111111';
const CERT_CLIENT = '22222222-2222-4222-8222-222222222222';
const X5C_CLIENT = '33333333-3333-4333-8333-333333333333';
const EXPIRED_CLIENT = '44444444-4444-4444-8444-444444444444';
const DISABLED_CLIENT = '55555555-5555-4555-8555-555555555555';
// Everything RFC 6749 §2.3.1's form-encoding of Basic credentials is about.
const SECRET = 'Qx8~a:b+c%2Fd e€ü';
const SECRET_ID = '6e4c1a7b-0d3f-4e2a-9b8c-7d6e5f4a3b2c';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let tls: TestCertificates;
let emulator: EntraEmulator;
let clientCert: SelfSignedCertificate;
let strangerCert: SelfSignedCertificate;

function apps(): EmulatorApp[] {
  const base = { tenantId: TENANT_ID };
  return [
    {
      ...base,
      clientId: SECRET_CLIENT,
      displayName: 'daemon',
      secrets: [{ value: SECRET, secretId: SECRET_ID }],
      roles: { [API_APP_ID]: ['Tasks.Read.All'] },
    },
    { ...base, clientId: CERT_CLIENT, displayName: 'cert daemon', certificates: [clientCert.certPem] },
    { ...base, clientId: X5C_CLIENT, displayName: 'sni daemon', certificates: [clientCert.certPem], requireX5c: true },
    {
      ...base,
      clientId: EXPIRED_CLIENT,
      displayName: 'old daemon',
      secrets: [{ value: 'stale-secret', secretId: randomUUID(), expiresAt: new Date(Date.now() - 86_400_000) }],
    },
    { ...base, clientId: DISABLED_CLIENT, displayName: 'banned daemon', secrets: [{ value: SECRET, secretId: SECRET_ID }], disabled: true },
  ];
}

beforeAll(async () => {
  tls = createTestCertificates();
  clientCert = createSelfSignedCertificate({ commonName: 'daemon' });
  strangerCert = createSelfSignedCertificate({ commonName: 'stranger' });
  emulator = await startEntraEmulator({
    tls,
    tenants: [
      { id: TENANT_ID, domains: [DOMAIN], displayName: 'Contoso' },
      { id: GOV_TENANT_ID, otherCloud: true },
    ],
    apps: apps(),
    resources: [{ tenantId: TENANT_ID, appId: API_APP_ID, appIdUri: API_URI, displayName: 'Tasks API' }],
  });
});

afterAll(async () => {
  await emulator?.close();
  rmSync(tls.dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
  json: any;
}

interface SendOptions {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  /** An open tunnel to run TLS over, instead of connecting directly. */
  tunnel?: Socket;
}

function send(url: string, options: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      ca: emulator.caPem,
      agent: false,
      ...(options.tunnel && { createConnection: () => tlsConnect({ socket: options.tunnel, ca: emulator.caPem, host: '127.0.0.1' }) }),
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const isJson = /json/.test(res.headers['content-type'] ?? '');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: isJson ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };

const postOf = (form: Record<string, string>): SendOptions => ({ method: 'POST', body: new URLSearchParams(form).toString(), headers: FORM });

function postToken(form: Record<string, string>, options: { tenant?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const request = postOf(form);
  return send(emulator.tokenUrl(options.tenant ?? TENANT_ID), { ...request, headers: { ...request.headers, ...options.headers } });
}

const secretForm = (overrides: Record<string, string> = {}) => ({
  grant_type: 'client_credentials',
  client_id: SECRET_CLIENT,
  client_secret: SECRET,
  scope: `${API_URI}/.default`,
  ...overrides,
});

/** application/x-www-form-urlencoded of one value, as RFC 6749 §2.3.1 asks for Basic credentials. */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function expectAadsts(reply: Reply, code: number, error: string): void {
  expect(reply.status).toBe(error === 'invalid_client' ? 401 : 400);
  expect(reply.json).toMatchObject({ error, error_codes: [code], error_uri: `https://login.microsoftonline.com/error?code=${code}` });
  const timestamp = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ';
  const description = `^AADSTS${code}: .+\\r\\nTrace ID: ${UUID}\\r\\nCorrelation ID: ${UUID}\\r\\nTimestamp: ${timestamp}$`;
  expect(reply.json.error_description).toMatch(new RegExp(description, 's'));
  expect(reply.json.trace_id).toMatch(new RegExp(`^${UUID}$`));
  expect(reply.json.correlation_id).toMatch(new RegExp(`^${UUID}$`));
  expect(reply.json.error_description).toContain(`Trace ID: ${reply.json.trace_id}`);
  expect(reply.json.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(reply.headers['x-ms-request-id']).toBe(reply.json.trace_id);
  expect(reply.headers.date).toBeDefined();
  expect(emulator.requests.at(-1)?.outcome).toBe(code);
}

async function signedAssertion(
  options: { clientId?: string; claims?: JWTPayload; header?: Record<string, unknown>; signer?: SelfSignedCertificate; alg?: string } = {},
): Promise<string> {
  const clientId = options.clientId ?? CERT_CLIENT;
  const now = Math.floor(Date.now() / 1000);
  const aud = emulator.tokenUrl(TENANT_ID);
  const claims = { aud, iss: clientId, sub: clientId, jti: randomUUID(), nbf: now, iat: now, exp: now + 600, ...options.claims };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'PS256', typ: 'JWT', 'x5t#S256': clientCert.x5tS256, ...options.header })
    .sign(createPrivateKey((options.signer ?? clientCert).keyPem));
}

const assertionForm = (assertion: string, clientId = CERT_CLIENT) => ({
  grant_type: 'client_credentials',
  client_id: clientId,
  client_assertion_type: JWT_BEARER,
  client_assertion: assertion,
  scope: `${API_URI}/.default`,
});

async function verifiedClaims(accessToken: string, audience: string): Promise<JWTPayload> {
  const discovery = await send(`${emulator.url}/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
  const keys = await send(discovery.json.jwks_uri as string);
  const { payload } = await jwtVerify(accessToken, createLocalJWKSet(keys.json as JSONWebKeySet), { issuer: discovery.json.issuer, audience });
  return payload;
}

function withoutSecret(): Record<string, string> {
  return Object.fromEntries(Object.entries(secretForm()).filter(([name]) => name !== 'client_secret'));
}

describe('client secret', () => {
  it('issues a verifiable v2.0 app-only token for a secret in the body', async () => {
    const requestId = randomUUID();
    const reply = await postToken(secretForm(), { headers: { 'client-request-id': requestId } });

    const recorded = emulator.requests.at(-1);
    expect(recorded).toMatchObject({ method: 'POST', outcome: 'token', form: { client_id: SECRET_CLIENT } });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.any(String) });
    expect(reply.headers['client-request-id']).toBe(requestId);
    expect(reply.headers['x-ms-request-id']).toMatch(new RegExp(`^${UUID}$`));
    expect(reply.headers['cache-control']).toBe('no-store, no-cache');
    const claims = await verifiedClaims(reply.json.access_token, API_APP_ID);
    expect(claims).toMatchObject({
      aud: API_APP_ID,
      iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
      azp: SECRET_CLIENT,
      azpacr: '1',
      idtyp: 'app',
      roles: ['Tasks.Read.All'],
      tid: TENANT_ID,
      ver: '2.0',
    });
    expect(claims.sub).toBe(claims.oid);
    expect(claims.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
  });

  it('accepts HTTP Basic with form-encoded id and secret', async () => {
    const form = { grant_type: 'client_credentials', scope: `${API_URI}/.default` };
    const reply = await postToken(form, { headers: { authorization: basic(formEncode(SECRET_CLIENT), formEncode(SECRET)) } });

    expect(reply.status).toBe(200);
    expect(emulator.requests.at(-1)?.basicAuth).toEqual({ id: SECRET_CLIENT, secret: SECRET });
  });

  it('rejects Basic credentials that were not form-encoded first', async () => {
    const form = { grant_type: 'client_credentials', scope: `${API_URI}/.default` };
    expectAadsts(await postToken(form, { headers: { authorization: basic(SECRET_CLIENT, SECRET) } }), 7000215, 'invalid_client');
  });

  it('knows the tenant by its verified domain, and resources by app id and Graph', async () => {
    expect((await postToken(secretForm(), { tenant: DOMAIN })).status).toBe(200);
    expect((await postToken(secretForm({ scope: `${API_APP_ID}/.default` }))).status).toBe(200);
    const graph = await postToken(secretForm({ scope: 'https://graph.microsoft.com/.default' }));
    expect(graph.status).toBe(200);
    const claims = await verifiedClaims(graph.json.access_token, GRAPH_APP_ID);
    expect(claims.roles).toBeUndefined();
  });
});

describe('Entra errors', () => {
  it.each([
    ['unknown tenant', 90002, 'invalid_request', () => postToken(secretForm(), { tenant: 'fabrikam.onmicrosoft.com' })],
    ['tenant in another cloud', 50049, 'invalid_instance', () => postToken(secretForm(), { tenant: GOV_TENANT_ID })],
    ['no grant_type', 900144, 'invalid_request', () => postToken(secretForm({ grant_type: '' }))],
    ['no client_id', 900144, 'invalid_request', () => postToken(secretForm({ client_id: '' }))],
    ['no scope', 900144, 'invalid_request', () => postToken(secretForm({ scope: '' }))],
    ['a JSON body', 900144, 'invalid_request', () => send(emulator.tokenUrl(TENANT_ID), { method: 'POST', body: JSON.stringify(secretForm()), headers: JSON_TYPE })],
    ['another grant type', 70003, 'unsupported_grant_type', () => postToken(secretForm({ grant_type: 'password' }))],
    ['GET on the token endpoint', 900561, 'invalid_request', () => send(emulator.tokenUrl(TENANT_ID))],
    ['unknown application', 700016, 'unauthorized_client', () => postToken(secretForm({ client_id: randomUUID() }))],
    ['disabled application', 7000112, 'unauthorized_client', () => postToken(secretForm({ client_id: DISABLED_CLIENT }))],
    ['no credential', 7000218, 'invalid_client', () => postToken(withoutSecret())],
    ['wrong secret', 7000215, 'invalid_client', () => postToken(secretForm({ client_secret: 'nope' }))],
    ['the secret ID pasted as the secret', 7000215, 'invalid_client', () => postToken(secretForm({ client_secret: SECRET_ID }))],
    ['expired secret', 7000222, 'invalid_client', () => postToken(secretForm({ client_id: EXPIRED_CLIENT, client_secret: 'stale-secret' }))],
    ['a scope without /.default', 1002012, 'invalid_scope', () => postToken(secretForm({ scope: 'https://graph.microsoft.com/User.Read.All' }))],
    ['two resources', 70011, 'invalid_scope', () => postToken(secretForm({ scope: `${API_URI}/.default https://graph.microsoft.com/.default` }))],
    ['unknown resource', 500011, 'invalid_resource', () => postToken(secretForm({ scope: 'api://nothing-here/.default' }))],
  ])('%s → AADSTS%i', async (_name, code, error, act) => {
    expectAadsts(await act(), code, error);
  });

  it('words errors as Entra does', async () => {
    const wrongSecret = await postToken(secretForm({ client_secret: 'nope' }));
    expect(wrongSecret.json.error_description).toContain(
      `Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${SECRET_CLIENT}'.`,
    );
    const scope = await postToken(secretForm({ scope: 'User.Read' }));
    expect(scope.json.error_description).toContain(
      'AADSTS1002012: The provided value for scope User.Read is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).',
    );
    const resource = await postToken(secretForm({ scope: 'api://nothing-here/.default' }));
    expect(resource.json.error_description).toContain('The resource principal named api://nothing-here was not found in the tenant named Contoso.');
  });

  it('uses the client-request-id as correlation id and echoes it', async () => {
    const requestId = randomUUID();
    const reply = await postToken(secretForm({ client_secret: 'nope' }), { headers: { 'client-request-id': requestId } });
    expect(reply.json.correlation_id).toBe(requestId);
    expect(reply.headers['client-request-id']).toBe(requestId);
  });

  it('answers metadata requests for an unknown tenant with invalid_tenant', async () => {
    const reply = await send(`${emulator.url}/nowhere.example/v2.0/.well-known/openid-configuration`);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
  });
});

describe('certificate credential', () => {
  it('issues a token for a PS256 assertion identified by x5t#S256', async () => {
    const reply = await postToken(assertionForm(await signedAssertion()));

    expect(emulator.requests.at(-1)?.assertion?.header).toMatchObject({ alg: 'PS256', 'x5t#S256': clientCert.x5tS256 });
    expect(reply.status).toBe(200);
    expect(await verifiedClaims(reply.json.access_token, API_APP_ID)).toMatchObject({ azp: CERT_CLIENT, azpacr: '2' });
  });

  it('accepts RS256 identified by the SHA-1 x5t, and a domain tenant in aud', async () => {
    const header = { 'x5t#S256': undefined, x5t: clientCert.x5t };
    const assertion = await signedAssertion({ alg: 'RS256', header, claims: { aud: emulator.tokenUrl(DOMAIN) } });
    expect((await postToken(assertionForm(assertion), { tenant: DOMAIN })).status).toBe(200);
  });

  it('tolerates clock skew within five minutes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await signedAssertion({ claims: { nbf: now + 240, iat: now + 240, exp: now + 600 } });
    expect((await postToken(assertionForm(assertion))).status).toBe(200);
  });

  it('rejects a thumbprint no uploaded certificate has (700027)', async () => {
    const reply = await postToken(assertionForm(await signedAssertion({ signer: strangerCert, header: { 'x5t#S256': strangerCert.x5tS256 } })));
    expectAadsts(reply, 700027, 'invalid_client');
    expect(reply.json.error_description).toContain('[Reason - The key was not found., Thumbprint of key used by client:');
  });

  it('rejects a registered thumbprint over a signature from another key (700027)', async () => {
    const reply = await postToken(assertionForm(await signedAssertion({ signer: strangerCert })));
    expectAadsts(reply, 700027, 'invalid_client');
    expect(reply.json.error_description).toContain('The provided signature value did not match the expected signature value.');
  });

  it('rejects an assertion without thumbprint (5002723)', async () => {
    expectAadsts(await postToken(assertionForm(await signedAssertion({ header: { 'x5t#S256': undefined, kid: 'k1' } }))), 5002723, 'invalid_client');
  });

  it.each([
    ['expired', { exp: -60, nbf: -700, iat: -700 }],
    ['not yet valid', { nbf: 900, iat: 900, exp: 1200 }],
    ['valid for too long', { nbf: 0, iat: 0, exp: 3600 }],
  ])('rejects an assertion %s (700024)', async (_name, offsets) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = Object.fromEntries(Object.entries(offsets).map(([claim, offset]) => [claim, now + offset]));
    const reply = await postToken(assertionForm(await signedAssertion({ claims })));
    expectAadsts(reply, 700024, 'invalid_client');
    expect(reply.json.error_description).toMatch(/Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from /);
  });

  it('rejects an audience other than the token endpoint as called (700023)', async () => {
    const aud = `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`;
    expectAadsts(await postToken(assertionForm(await signedAssertion({ claims: { aud } }))), 700023, 'invalid_client');
  });

  it('rejects iss/sub other than the client id (700021)', async () => {
    expectAadsts(await postToken(assertionForm(await signedAssertion({ claims: { iss: SECRET_CLIENT } }))), 700021, 'invalid_client');
  });

  it('rejects a replayed jti', async () => {
    const assertion = await signedAssertion();
    expect((await postToken(assertionForm(assertion))).status).toBe(200);
    expectAadsts(await postToken(assertionForm(assertion)), 50013, 'invalid_client');
  });

  it('rejects an assertion without jti, or that is not a JWT (50027)', async () => {
    expectAadsts(await postToken(assertionForm(await signedAssertion({ claims: { jti: undefined } }))), 50027, 'invalid_request');
    expectAadsts(await postToken(assertionForm('not.a.jwt')), 50027, 'invalid_request');
  });

  it('needs the jwt-bearer client_assertion_type (90014)', async () => {
    const form = { ...assertionForm(await signedAssertion()), client_assertion_type: 'jwt' };
    expectAadsts(await postToken(form), 90014, 'invalid_request');
  });

  it('demands x5c for subject-name/issuer apps', async () => {
    expectAadsts(await postToken(assertionForm(await signedAssertion({ clientId: X5C_CLIENT }), X5C_CLIENT)), 700027, 'invalid_client');
    const withChain = await signedAssertion({ clientId: X5C_CLIENT, header: { x5c: [clientCert.x5c] } });
    expect((await postToken(assertionForm(withChain, X5C_CLIENT))).status).toBe(200);
  });
});

describe('canned responses', () => {
  it('serves queued responses in order, then handles requests normally again', async () => {
    emulator.enqueue(
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
      { status: 302, headers: { location: 'https://127.0.0.1:1/elsewhere' } },
    );

    const throttled = await postToken(secretForm());
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    const gateway = await postToken(secretForm());
    expect(gateway).toMatchObject({ status: 502, text: expect.stringContaining('Bad Gateway') });
    expect(gateway.headers['content-type']).toBe('text/html');
    const redirect = await postToken(secretForm());
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('https://127.0.0.1:1/elsewhere');
    expect((await postToken(secretForm())).status).toBe(200);
    expect(emulator.requests.slice(-4).map((r) => r.outcome)).toEqual(['canned', 'canned', 'canned', 'token']);
  });

  it('skews the Date header of an otherwise normal answer', async () => {
    emulator.enqueue({ dateOffsetSeconds: -600 });
    const reply = await postToken(secretForm());
    expect(reply.status).toBe(200);
    const skew = (Date.parse(reply.headers.date!) - Date.now()) / 1000;
    expect(skew).toBeGreaterThan(-605);
    expect(skew).toBeLessThan(-595);
  });

  it('can leave a request unanswered, still recording what it carried', async () => {
    emulator.enqueue({ hang: true });
    const outcome = await new Promise<string>((resolve) => {
      const req = httpsRequest(emulator.tokenUrl(TENANT_ID), { method: 'POST', headers: FORM, ca: emulator.caPem, agent: false });
      req.setTimeout(300, () => {
        req.destroy();
        resolve('timed out');
      });
      req.on('response', () => resolve('answered'));
      req.on('error', () => undefined);
      req.end(new URLSearchParams(secretForm()).toString());
    });
    expect(outcome).toBe('timed out');
    expect(emulator.requests.at(-1)).toMatchObject({ outcome: 'canned', form: { client_id: SECRET_CLIENT } });
  });
});

describe('configurable issuer', () => {
  it('issues and advertises the issuer it is given', async () => {
    const own = await startEntraEmulator({ tls, tenants: [{ id: TENANT_ID }], apps: apps(), issuer: (tenantId, url) => `${url}/${tenantId}/v2.0` });
    try {
      const reply = await send(own.tokenUrl(TENANT_ID), postOf(secretForm({ scope: 'https://graph.microsoft.com/.default' })));
      const discovery = await send(`${own.url}/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
      expect(discovery.json.issuer).toBe(`${own.url}/${TENANT_ID}/v2.0`);
      const { payload } = await jwtVerify(reply.json.access_token, createLocalJWKSet(own.signingJwks), { issuer: discovery.json.issuer });
      expect(payload.tid).toBe(TENANT_ID);
    } finally {
      await own.close();
    }
  });
});

describe('forward proxy', () => {
  let proxy: TestProxy;
  let plain: Server;

  beforeAll(async () => {
    proxy = await startProxy();
    plain = createHttpServer((req, res) => res.end(`plain ${req.method} ${req.url}`));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await proxy?.close();
    await new Promise((resolve) => plain?.close(resolve));
  });

  function openTunnel(target: string): Promise<{ status: number; socket: Socket }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(proxy.url, { method: 'CONNECT', path: target, headers: { host: target }, agent: false });
      req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
      req.on('error', reject);
      req.end();
    });
  }

  function viaProxy(url: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(proxy.url, { path: url, headers: { host: new URL(url).host }, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('tunnels HTTPS to the emulator and counts the CONNECT', async () => {
    const target = new URL(emulator.url).host;
    const { status, socket } = await openTunnel(target);
    expect(status).toBe(200);

    const reply = await send(emulator.tokenUrl(TENANT_ID), { ...postOf(secretForm()), tunnel: socket });
    expect(reply.status).toBe(200);
    expect(proxy.connects).toEqual([target]);
  });

  it('forwards absolute-form plain-HTTP requests and counts them', async () => {
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/x?y=1`;
    expect(await viaProxy(url)).toEqual({ status: 200, text: 'plain GET /x?y=1' });
    expect(proxy.forwards).toEqual([url]);
  });

  it('refuses anything off loopback with 403, without connecting', async () => {
    const { status, socket } = await openTunnel('example.com:443');
    socket.destroy();
    expect(status).toBe(403);
    expect((await viaProxy('http://example.com/')).status).toBe(403);
    expect(proxy.refused).toEqual(['example.com:443', 'http://example.com/']);
  });
});
