import { describe, expect, it } from 'vitest';
import { basicAuthorization, type ClientCredential } from '../../src/oauth/client-auth.js';
import { checkTenant, endpointFromMetadata, metadataUrls, planEndpoint, type Endpoint } from '../../src/oauth/endpoint.js';
import { clockSkewWarning } from '../../src/oauth/engine.js';
import { buildTokenRequest, entraScope } from '../../src/oauth/request.js';
import { decideRetry, parseRetryAfter } from '../../src/oauth/retry.js';
import { mergeSettings, settingsFromEnvironment } from '../../src/oauth/settings.js';

const secret: ClientCredential = { kind: 'secret', secret: 's', source: 'test' };
const entra = planEndpoint({ tenant: 'contoso.onmicrosoft.com' }) as Endpoint;
const generic: Endpoint = { provider: 'generic', tokenUrl: new URL('https://idp.example.com/token') };

describe('planEndpoint', () => {
  it('builds the Entra v2.0 token URL for each cloud and a custom authority host', () => {
    expect(planEndpoint({ tenant: '9660ad26-896d-4438-a013-e3ee23b57b7c' })).toMatchObject({
      provider: 'entra',
      tokenUrl: new URL('https://login.microsoftonline.com/9660ad26-896d-4438-a013-e3ee23b57b7c/oauth2/v2.0/token'),
    });
    expect(planEndpoint({ tenant: 'contoso.onmicrosoft.com', cloud: 'usgov' })).toMatchObject({ tokenUrl: new URL('https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token') });
    expect(planEndpoint({ tenant: 'contoso.cn', cloud: 'china' })).toMatchObject({ tokenUrl: new URL('https://login.partner.microsoftonline.cn/contoso.cn/oauth2/v2.0/token') });
    expect(planEndpoint({ tenant: 'contoso.com', authorityHost: 'http://127.0.0.1:8443/' })).toMatchObject({ tokenUrl: new URL('http://127.0.0.1:8443/contoso.com/oauth2/v2.0/token') });
  });
  it.each(['common', 'Organizations', 'consumers'])('refuses the multi-tenant alias %s', (tenant) => {
    expect(() => checkTenant(tenant)).toThrowError(expect.objectContaining({ code: 'TENANT_NOT_ALLOWED', exitCode: 2 }));
  });
  it('refuses a malformed tenant and mixed endpoint options', () => {
    expect(() => checkTenant('not a tenant/x')).toThrowError(expect.objectContaining({ code: 'TENANT_INVALID' }));
    expect(() => planEndpoint({ tenant: 'contoso.com', tokenUrl: 'https://x/token' })).toThrowError(expect.objectContaining({ code: 'CONFLICTING_OPTIONS' }));
    expect(() => planEndpoint({})).toThrowError(expect.objectContaining({ code: 'NO_ENDPOINT' }));
    expect(() => planEndpoint({ tokenUrl: 'http://auth.example.com/token' })).toThrowError(expect.objectContaining({ code: 'INSECURE_URL' }));
  });
});

describe('discovery metadata', () => {
  it('tries OpenID Connect discovery, then RFC 8414 with the well-known part before the path', () => {
    expect(metadataUrls(new URL('https://idp.example.com/tenant1')).map(String)).toEqual([
      'https://idp.example.com/tenant1/.well-known/openid-configuration',
      'https://idp.example.com/.well-known/oauth-authorization-server/tenant1',
    ]);
  });
  it('requires the issuer to match exactly and a token endpoint under the https policy', () => {
    const source = new URL('https://idp.example.com/.well-known/openid-configuration');
    expect(endpointFromMetadata({ issuer: 'https://idp.example.com', token_endpoint: 'https://idp.example.com/token' }, 'https://idp.example.com', source)).toMatchObject({
      authMethodsSupported: ['client_secret_basic'],
    });
    expect(() => endpointFromMetadata({ issuer: 'https://idp.example.com/', token_endpoint: 'https://x/t' }, 'https://idp.example.com', source)).toThrowError(
      expect.objectContaining({ code: 'DISCOVERY_ISSUER_MISMATCH', exitCode: 6 }),
    );
    expect(() => endpointFromMetadata({ issuer: 'https://idp.example.com' }, 'https://idp.example.com', source)).toThrowError(expect.objectContaining({ code: 'DISCOVERY_INVALID' }));
    expect(() => endpointFromMetadata({ issuer: 'i', token_endpoint: 'http://idp.example.com/token' }, 'i', source)).toThrowError(expect.objectContaining({ code: 'INSECURE_URL' }));
  });
});

describe('Entra scope rules', () => {
  it('turns --resource into RESOURCE/.default', () => {
    expect(entraScope({ resources: ['api://cdc128ef-09ca-46ca-a349-57c0c248cad7'] })).toBe('api://cdc128ef-09ca-46ca-a349-57c0c248cad7/.default');
    expect(entraScope({ scopes: ['https://graph.microsoft.com/.default'] })).toBe('https://graph.microsoft.com/.default');
    expect(entraScope({ resources: ['api://x'], scopes: ['api://x/.default'] })).toBe('api://x/.default');
  });
  it('refuses a scope without /.default before sending, with the resource to use instead', () => {
    expect(() => entraScope({ scopes: ['api://orders/Orders.Read'] })).toThrowError(
      expect.objectContaining({ code: 'ENTRA_SCOPE_NOT_DEFAULT', message: expect.stringContaining('AADSTS1002012'), hint: expect.stringContaining('--resource api://orders') }),
    );
    expect(() => entraScope({ scopes: ['User.Read'] })).toThrowError(expect.objectContaining({ hint: expect.stringContaining('--resource https://graph.microsoft.com') }));
  });
  it('refuses two resources and none', () => {
    expect(() => entraScope({ resources: ['api://a', 'api://b'] })).toThrowError(expect.objectContaining({ code: 'ENTRA_SCOPE_MULTIPLE', message: expect.stringContaining('AADSTS70011') }));
    expect(() => entraScope({})).toThrowError(expect.objectContaining({ code: 'ENTRA_SCOPE_MISSING' }));
  });
});

describe('buildTokenRequest', () => {
  it('defaults: Entra with a secret posts it; generic uses basic unless discovery says only post', () => {
    expect(buildTokenRequest({ clientId: 'c', resources: ['api://x'] }, entra, secret).authMethod).toBe('client_secret_post');
    expect(buildTokenRequest({ clientId: 'c' }, generic, secret).authMethod).toBe('client_secret_basic');
    expect(buildTokenRequest({ clientId: 'c' }, { ...generic, authMethodsSupported: ['client_secret_post', 'private_key_jwt'] }, secret).authMethod).toBe('client_secret_post');
  });
  it('warns when the chosen method is not advertised', () => {
    const request = buildTokenRequest({ clientId: 'c', authMethod: 'client_secret_basic' }, { ...generic, authMethodsSupported: ['client_secret_post'] }, secret);
    expect(request.warnings).toEqual(['the server does not advertise client_secret_basic (it lists client_secret_post)']);
  });
  it('builds the generic form: scopes space-delimited, RFC 8707 resources, audience, extra params', () => {
    const request = buildTokenRequest({ clientId: 'c', scopes: ['read write', 'admin'], resources: ['https://a', 'https://b'], audience: 'aud', params: [['tenant', 't1']] }, generic, secret);
    expect(request.form).toEqual([
      ['grant_type', 'client_credentials'],
      ['scope', 'read write admin'],
      ['resource', 'https://a'],
      ['resource', 'https://b'],
      ['audience', 'aud'],
      ['tenant', 't1'],
    ]);
  });
  it('omits scope when none is given (it is optional)', () => {
    expect(buildTokenRequest({ clientId: 'c' }, generic, secret).form).toEqual([['grant_type', 'client_credentials']]);
  });
  it('refuses a blank client id, reserved --param names, and --audience on Entra', () => {
    expect(() => buildTokenRequest({ clientId: '  ' }, generic, secret)).toThrowError(expect.objectContaining({ code: 'CLIENT_ID_MISSING' }));
    expect(() => buildTokenRequest({ clientId: 'c', params: [['client_secret', 'x']] }, generic, secret)).toThrowError(expect.objectContaining({ code: 'PARAM_RESERVED' }));
    expect(() => buildTokenRequest({ clientId: 'c', params: [['Password', 'x']] }, generic, secret)).toThrowError(expect.objectContaining({ code: 'SECRET_IN_ARGUMENT' }));
    expect(() => buildTokenRequest({ clientId: 'c', audience: 'x', resources: ['api://x'] }, entra, secret)).toThrowError(expect.objectContaining({ code: 'ENTRA_AUDIENCE' }));
  });
  it('matches the auth method to the credential', () => {
    const federated: ClientCredential = { kind: 'federated', path: '/t', source: 't' };
    expect(buildTokenRequest({ clientId: 'c', resources: ['api://x'] }, entra, federated).authMethod).toBe('private_key_jwt');
    expect(() => buildTokenRequest({ clientId: 'c', authMethod: 'client_secret_post' }, generic, federated)).toThrowError(expect.objectContaining({ code: 'AUTH_METHOD_MISMATCH' }));
    expect(() => buildTokenRequest({ clientId: 'c', authMethod: 'private_key_jwt' }, generic, secret)).toThrowError(expect.objectContaining({ code: 'AUTH_METHOD_MISMATCH' }));
  });
  it('assertion options: Entra PS256 to the token URL; generic RS256 to the issuer when known', () => {
    const federated: ClientCredential = { kind: 'federated', path: '/t', source: 't' };
    expect(buildTokenRequest({ clientId: 'c', resources: ['api://x'] }, entra, federated).assertion).toEqual({
      algorithm: 'PS256',
      sendX5c: false,
      lifetimeSeconds: 300,
      audience: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
    });
    expect(buildTokenRequest({ clientId: 'c' }, { ...generic, issuer: 'https://idp.example.com' }, federated).assertion).toMatchObject({ algorithm: 'RS256', audience: 'https://idp.example.com' });
    expect(buildTokenRequest({ clientId: 'c' }, generic, federated).assertion.audience).toBe('https://idp.example.com/token');
    expect(buildTokenRequest({ clientId: 'c', assertionAudience: 'https://aud.example.com' }, generic, federated).assertion.audience).toBe('https://aud.example.com/');
    expect(() => buildTokenRequest({ clientId: 'c', assertionAudience: 'issuer' }, generic, federated)).toThrowError(expect.objectContaining({ code: 'ISSUER_UNKNOWN' }));
    expect(() => buildTokenRequest({ clientId: 'c', assertionLifetimeSeconds: 601 }, generic, federated)).toThrowError(expect.objectContaining({ code: 'ASSERTION_LIFETIME_INVALID' }));
  });
});

describe('basicAuthorization (RFC 6749 §2.3.1)', () => {
  it('form-urlencodes id and secret before base64', () => {
    const header = basicAuthorization('svc:1', 's3cr:t+v%al ü/=');
    expect(Buffer.from(header.slice(6), 'base64').toString()).toBe('svc%3A1:s3cr%3At%2Bv%25al+%C3%BC%2F%3D');
  });
});

describe('decideRetry', () => {
  const base = { attempt: 1, nowMs: 0, deadlineMs: 30_000, random: () => 0.5 };
  it('retries network errors, 429 and 5xx with growing, jittered delays', () => {
    expect(decideRetry({ ...base, status: undefined })).toMatchObject({ retry: true, delayMs: 375 });
    expect(decideRetry({ ...base, status: 503, attempt: 2 })).toMatchObject({ retry: true, delayMs: 750 });
    expect(decideRetry({ ...base, status: 429, random: () => 0 })).toMatchObject({ retry: true, delayMs: 250 });
  });
  it('never retries other statuses, nor a third failure', () => {
    expect(decideRetry({ ...base, status: 400 })).toMatchObject({ retry: false });
    expect(decideRetry({ ...base, status: 401 })).toMatchObject({ retry: false });
    expect(decideRetry({ ...base, status: 503, attempt: 3 })).toMatchObject({ retry: false, reason: 'HTTP 503 after 3 attempts' });
  });
  it('honours Retry-After in seconds or as a date, only when it fits in the time left', () => {
    expect(decideRetry({ ...base, status: 429, retryAfter: '2' })).toMatchObject({ retry: true, delayMs: 2000 });
    expect(decideRetry({ ...base, status: 429, retryAfter: '60' })).toMatchObject({ retry: false, reason: expect.stringContaining('Retry-After (60s) does not fit') });
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:05 GMT', 0)).toBe(5000);
    expect(parseRetryAfter('garbage', 0)).toBeUndefined();
  });
});

describe('settings', () => {
  it('takes the Azure workload identity variables', () => {
    expect(settingsFromEnvironment({ AZURE_CLIENT_ID: 'c', AZURE_TENANT_ID: 't.com', AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us', AZURE_FEDERATED_TOKEN_FILE: '/var/run/token' })).toEqual({
      clientId: 'c',
      tenant: 't.com',
      authorityHost: 'https://login.microsoftonline.us',
      clientAssertionFile: '/var/run/token',
    });
  });
  it('flags win over the environment, and an endpoint is never mixed across layers', () => {
    const merged = mergeSettings({ tokenUrl: 'https://idp/token', scopes: ['a'] }, { tenant: 't.com', clientId: 'env-client' });
    expect(merged).toEqual({ tokenUrl: 'https://idp/token', scopes: ['a'], clientId: 'env-client' });
    expect(mergeSettings({ clientId: 'flag' }, { clientId: 'env', tenant: 't.com' })).toEqual({ clientId: 'flag', tenant: 't.com' });
  });
  it('keeps a credential whole: a flag certificate hides the environment federated file', () => {
    expect(mergeSettings({ certificatePath: '/c.pem' }, { clientAssertionFile: '/f' })).toEqual({ certificatePath: '/c.pem' });
  });
  it("adds a certificate's details from above, never from below a new certificate", () => {
    const profile = { certificatePath: '/old.pem', privateKeyPath: '/old.key', thumbprint: 'OLD' };
    expect(mergeSettings({ thumbprint: 'NEW' }, profile)).toEqual({ certificatePath: '/old.pem', privateKeyPath: '/old.key', thumbprint: 'NEW' });
    expect(mergeSettings({ certificatePath: '/new.pem' }, profile)).toEqual({ certificatePath: '/new.pem' });
    expect(mergeSettings({ clientAssertionFile: '/f' }, profile)).toEqual({ clientAssertionFile: '/f' });
    expect(mergeSettings({ thumbprint: 'X' }, { clientId: 'secret-profile' })).toEqual({ thumbprint: 'X', clientId: 'secret-profile' });
  });
});

describe('clockSkewWarning', () => {
  const receivedAt = new Date('2026-01-01T00:10:00Z');
  it('says nothing within 60 s, and how far off beyond it', () => {
    expect(clockSkewWarning('Thu, 01 Jan 2026 00:09:30 GMT', receivedAt)).toBeUndefined();
    expect(clockSkewWarning('Thu, 01 Jan 2026 00:00:00 GMT', receivedAt)).toMatch(/^this machine's clock is 600s ahead of the server's/);
    expect(clockSkewWarning('Thu, 01 Jan 2026 00:20:00 GMT', receivedAt)).toMatch(/600s behind/);
    expect(clockSkewWarning(undefined, receivedAt)).toBeUndefined();
  });
});
