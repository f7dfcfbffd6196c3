import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { decodeJwt, importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type OidcProviderHarness } from '../support/oidc-provider.js';

interface TokenResponse {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
  error?: string;
}

let idp: OidcProviderHarness;

beforeAll(async () => {
  idp = await startOidcProvider();
});

afterAll(async () => {
  await idp.close();
});

async function requestToken(
  form: Record<string, string>,
  headers: Record<string, string> = {},
  tokenEndpoint = idp.tokenEndpoint,
): Promise<{ status: number; headers: Headers; body: TokenResponse }> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as TokenResponse };
}

function formUrlencode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice('v='.length);
}

function basicAuthorization(userPass: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(userPass).toString('base64')}` };
}

/** RFC 6749 §2.3.1: client id and secret are each form-urlencoded before they are joined and base64-encoded. */
function encodedBasicAuthorization(clientId: string, clientSecret: string): Record<string, string> {
  return basicAuthorization(`${formUrlencode(clientId)}:${formUrlencode(clientSecret)}`);
}

async function clientAssertion(audience: string, header: { kid?: string } = {}): Promise<string> {
  const { clientId, privateKeyPath } = idp.clients.privateKeyJwt;
  const key = await importPKCS8(await readFile(privateKeyPath, 'utf8'), 'RS256');
  return new SignJWT()
    .setProtectedHeader({ alg: 'RS256', ...header })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(key);
}

function privateKeyJwtForm(assertion: string): Record<string, string> {
  return {
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    resource: idp.resource,
  };
}

describe('discovery', () => {
  it('advertises the token endpoint and the three client authentication methods', async () => {
    const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    const metadata = (await response.json()) as Record<string, unknown>;

    expect(metadata).toMatchObject({ issuer: idp.issuer, token_endpoint: idp.tokenEndpoint });
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('client_secret_basic', () => {
  it('issues a JWT for the requested resource when id and secret are form-urlencoded before base64', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretBasic;
    const { status, body } = await requestToken({ resource: idp.resource, scope: 'read write' }, encodedBasicAuthorization(clientId, clientSecret));

    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'read write', expires_in: 300 });
    expect(decodeJwt(body.access_token ?? '')).toMatchObject({ iss: idp.issuer, aud: idp.resource, client_id: clientId, scope: 'read write' });
  });

  it('refuses the secret base64-encoded without form-urlencoding, as badly encoded rather than wrong', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretBasic;
    // The provider percent-decodes what it receives, and the raw "%al" in the secret is no valid escape.
    const { status, body } = await requestToken({ resource: idp.resource }, basicAuthorization(`${clientId}:${clientSecret}`));

    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
  });

  it('answers a wrong secret with invalid_client, 401 and a Basic challenge', async () => {
    const { clientId } = idp.clients.clientSecretBasic;
    const { status, headers, body } = await requestToken({ resource: idp.resource }, encodedBasicAuthorization(clientId, 'wrong'));

    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(headers.get('www-authenticate')).toMatch(/^Basic /);
  });
});

describe('client_secret_post', () => {
  it('issues a token for client_id and client_secret in the form', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const { status, body } = await requestToken({ client_id: clientId, client_secret: clientSecret, resource: idp.resource, scope: 'read' });

    expect(status).toBe(200);
    expect(decodeJwt(body.access_token ?? '')).toMatchObject({ aud: idp.resource, client_id: clientId, scope: 'read' });
  });

  it('answers a wrong secret with invalid_client and 401', async () => {
    const { clientId } = idp.clients.clientSecretPost;
    const { status, body } = await requestToken({ client_id: clientId, client_secret: 'wrong', resource: idp.resource });

    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });
});

describe('private_key_jwt', () => {
  it.each([
    ['the issuer', () => idp.issuer],
    ['the token endpoint', () => idp.tokenEndpoint],
  ])('accepts an assertion whose audience is %s', async (_name, audience) => {
    const { status, body } = await requestToken(privateKeyJwtForm(await clientAssertion(audience())));

    expect(status).toBe(200);
    expect(decodeJwt(body.access_token ?? '')).toMatchObject({ aud: idp.resource, client_id: idp.clients.privateKeyJwt.clientId });
  });

  it('accepts an assertion that names the registered key id', async () => {
    const assertion = await clientAssertion(idp.issuer, { kid: idp.clients.privateKeyJwt.keyId });
    const { status } = await requestToken(privateKeyJwtForm(assertion));

    expect(status).toBe(200);
  });

  it('refuses an assertion meant for another server', async () => {
    const { status, body } = await requestToken(privateKeyJwtForm(await clientAssertion('https://elsewhere.example.com')));

    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('refuses a replayed assertion', async () => {
    const form = privateKeyJwtForm(await clientAssertion(idp.issuer));
    await requestToken(form);
    const { status, body } = await requestToken(form);

    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('writes a certificate that belongs to the private key', async () => {
    const { privateKeyPath, certificatePath } = idp.clients.privateKeyJwt;
    const certificate = new X509Certificate(await readFile(certificatePath));

    expect(certificate.checkPrivateKey(createPrivateKey(await readFile(privateKeyPath)))).toBe(true);
  });
});

describe('resource indicators', () => {
  const postCredentials = () => ({ client_id: idp.clients.clientSecretPost.clientId, client_secret: idp.clients.clientSecretPost.clientSecret });

  it('defaults to the configured resource when a request has only a scope', async () => {
    const { status, body } = await requestToken({ ...postCredentials(), scope: 'read write' });

    expect(status).toBe(200);
    expect(decodeJwt(body.access_token ?? '')).toMatchObject({ aud: idp.resource, scope: 'read write' });
  });

  it('leaves out scopes the resource does not grant instead of failing', async () => {
    const { status, body } = await requestToken({ ...postCredentials(), scope: 'read admin' });

    expect(status).toBe(200);
    expect(body.scope).toBe('read');
  });

  it('refuses an unknown resource with invalid_target', async () => {
    const { status, body } = await requestToken({ ...postCredentials(), resource: 'https://other.example.com' });

    expect(status).toBe(400);
    expect(body.error).toBe('invalid_target');
  });
});

describe('recording and shutdown', () => {
  it('records each request with its Authorization header and form, and counts token requests', async () => {
    const own = await startOidcProvider({ accessTokenTtlSeconds: 42 });
    try {
      const basic = own.clients.clientSecretBasic;
      const authorization = encodedBasicAuthorization(basic.clientId, basic.clientSecret);
      await fetch(`${own.issuer}/.well-known/openid-configuration`);
      const { body } = await requestToken({ scope: 'read write' }, authorization, own.tokenEndpoint);

      expect(body.expires_in).toBe(42);
      expect(own.tokenRequests()).toBe(1);
      expect(own.requests).toEqual([
        { path: '/.well-known/openid-configuration', method: 'GET', authorization: undefined, form: {} },
        { path: '/token', method: 'POST', authorization: authorization.authorization, form: { grant_type: 'client_credentials', scope: 'read write' } },
      ]);
    } finally {
      await own.close();
    }
  });

  it('stops listening once closed', async () => {
    const own = await startOidcProvider();
    await fetch(`${own.issuer}/.well-known/openid-configuration`);
    await own.close();

    await expect(fetch(`${own.issuer}/.well-known/openid-configuration`)).rejects.toThrow();
  });
});
