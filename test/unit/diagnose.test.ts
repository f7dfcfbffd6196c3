import { describe, expect, it } from 'vitest';
import { audienceFormatNote, missingPermissionsWarning } from '../../src/jwt/permissions.js';
import { diagnoseRefusal, type RequestContext } from '../../src/oauth/diagnose.js';
import { detectVendor } from '../../src/oauth/diagnose-vendor.js';
import { entraScope, permissionPath } from '../../src/oauth/request.js';

const API = 'cdc128ef-09ca-46ca-a349-57c0c248cad7';
const entraPayload = { iss: 'https://login.microsoftonline.com/9660ad26-896d-4438-a013-e3ee23b57b7c/v2.0', tid: '9660ad26-896d-4438-a013-e3ee23b57b7c', aud: API, ver: '2.0', azp: 'x' };

describe('--resource naming a permission (Entra ID)', () => {
  it.each([
    [`api://${API}/Orders.Read`, `api://${API}`, 'Orders.Read'],
    [`api://${API}/Orders.Read/.default`, `api://${API}`, 'Orders.Read'],
    ['https://graph.microsoft.com/User.Read.All', 'https://graph.microsoft.com', 'User.Read.All'],
    ['api://contoso.com/orders/access_as_user', 'api://contoso.com/orders', 'access_as_user'],
    ['api://x/decisionrules:orgid:1:spaceid:2:solver', 'api://x', 'decisionrules:orgid:1:spaceid:2:solver'],
  ])('%s is the API %s and the permission %s', (value, resource, permission) => {
    expect(permissionPath(value)).toEqual({ resource, permission });
  });

  it.each([`api://${API}`, 'https://decisionrules.io/solver-api', `api://9660ad26-896d-4438-a013-e3ee23b57b7c/${API}`, 'https://graph.microsoft.com', `${API}`])('%s names an API', (value) => {
    expect(permissionPath(value)).toBeUndefined();
  });

  it('is refused with the exact API to ask for', () => {
    expect(() => entraScope({ resources: [`api://${API}/Orders.Read`] })).toThrowError(
      expect.objectContaining({ code: 'RESOURCE_IS_PERMISSION', hint: expect.stringContaining(`Use --resource api://${API} (sent as scope api://${API}/.default)`) }),
    );
    expect(entraScope({ resources: [`api://${API}`] })).toBe(`api://${API}/.default`);
  });
});

describe('tokens that grant nothing, and audiences in the other format', () => {
  it('warns about an Entra token with neither roles nor scp, with the Entra fix', () => {
    expect(missingPermissionsWarning(entraPayload)).toMatch(/neither roles nor scp.*Grant admin consent/);
    expect(missingPermissionsWarning({ ...entraPayload, roles: ['Orders.Read'] })).toBeUndefined();
    expect(missingPermissionsWarning({ ...entraPayload, scp: 'User.Read' })).toBeUndefined();
    // Entra advice is for Entra tokens only.
    expect(missingPermissionsWarning({ iss: 'https://keycloak.example.com/realms/acme', aud: 'account' })).toBeUndefined();
  });

  it('explains a v2 GUID aud against an expected api:// URI, showing both', () => {
    const note = audienceFormatNote(`api://${API}`, entraPayload);
    expect(note).toContain(`expected "api://${API}", the token has "${API}" (the same API)`);
    expect(note).toContain(`Use --expect-aud ${API}`);
    // Says it in a sentence: "this is a v2.0 token, and v2.0 tokens carry", not "this is a v2.0 token carry".
    expect(note).toMatch(/^this is a v2\.0 token, and v2\.0 tokens carry the API's application ID \(GUID\) as aud/);
    expect(audienceFormatNote(API, entraPayload)).toBeUndefined();
    expect(audienceFormatNote('api://x', { aud: API, iss: 'https://auth.example.com' })).toBeUndefined();
  });
});

describe('diagnoseRefusal', () => {
  const context = (tokenUrl: string, extra: Partial<RequestContext> = {}): RequestContext => ({
    provider: 'generic',
    tokenUrl: new URL(tokenUrl),
    authMethod: 'client_secret_basic',
    clientId: 'svc',
    ...extra,
  });

  it('recognises products by their token URLs', () => {
    expect(detectVendor(new URL('https://sso.example.com/realms/acme/protocol/openid-connect/token'))).toBe('keycloak');
    expect(detectVendor(new URL('https://dev-1.okta.com/oauth2/default/v1/token'))).toBe('okta');
    expect(detectVendor(new URL('https://acme.eu.auth0.com/oauth/token'))).toBe('auth0');
    expect(detectVendor(new URL('https://sso.example.com/as/token.oauth2'))).toBe('pingfederate');
    expect(detectVendor(new URL('https://auth.pingone.eu/4b7e1a52-3f0e-4d5c-9a61-0c2f6b9d8e11/as/token'))).toBe('pingone');
    expect(detectVendor(new URL('https://login.microsoftonline.com/t/oauth2/v2.0/token'))).toBe('entra');
    expect(detectVendor(new URL('https://auth.example.com/token'))).toBe('generic');
  });

  it('reads the words, not only the OAuth error: Keycloak says unauthorized_client for a wrong secret', () => {
    const refusal = { status: 401, error: 'unauthorized_client', description: 'Invalid client or Invalid client credentials', aadsts: [] };
    expect(diagnoseRefusal(refusal, context('https://sso.example.com/realms/acme/protocol/openid-connect/token')).code.code).toBe('CLIENT_AUTH_FAILED');
  });

  it('gives generic advice to a generic server, naming no product', () => {
    const diagnosis = diagnoseRefusal({ status: 400, error: 'unauthorized_client', aadsts: [] }, context('https://auth.example.com/token'));
    expect(diagnosis.code.code).toBe('GRANT_NOT_ALLOWED');
    expect(diagnosis.hint).not.toMatch(/Entra|Keycloak|Okta|Auth0|Ping|Spring|app registration|admin consent/);
  });

  it('Entra AADSTS codes win over the words, and every AADSTS code listed is tried', () => {
    const diagnosis = diagnoseRefusal({ status: 400, error: 'invalid_request', description: 'AADSTS900382: Confidential Client is not supported in Cross Cloud request.', aadsts: [900382] }, context('https://login.microsoftonline.com/t/oauth2/v2.0/token', { provider: 'entra' }));
    expect(diagnosis.code.code).toBe('CLOUD_MISMATCH');
    expect(diagnosis.hint).toContain('--cloud usgov');
    expect(diagnosis.hint).not.toContain('--cloud public');
  });
});

describe('every refusal gets a next step', () => {
  const context = (tokenUrl: string, extra: Partial<RequestContext> = {}): RequestContext => ({
    provider: tokenUrl.includes('microsoftonline') ? 'entra' : 'generic',
    tokenUrl: new URL(tokenUrl),
    authMethod: 'client_secret_basic',
    clientId: 'svc',
    ...extra,
  });
  const entra = context('https://login.microsoftonline.com/9660ad26-896d-4438-a013-e3ee23b57b7c/oauth2/v2.0/token', { tenant: '9660ad26-896d-4438-a013-e3ee23b57b7c', resources: ['api://orders'] });

  it('an unrecognised refusal quotes the server, says what to check, and how to see the trace', () => {
    const diagnosis = diagnoseRefusal({ status: 400, error: 'invalid_request', description: 'Something odd\r\nmore lines', aadsts: [] }, context('https://auth.example.com/token'));
    expect(diagnosis.code.code).toBe('IDP_REJECTED');
    expect(diagnosis.hint).toContain('error "invalid_request" and description "Something odd"');
    expect(diagnosis.hint).toMatch(/client ID \(svc\).*--auth-method \(client_secret_basic\).*scope, resource or audience.*token URL \(auth\.example\.com\/token\)/);
    expect(diagnosis.hint).toContain('-v (--verbose)');
    expect(diagnosis.hint).not.toContain('more lines');
  });

  it('an unknown AADSTS code is named, with where to look it up', () => {
    const diagnosis = diagnoseRefusal({ status: 400, error: 'invalid_request', description: 'AADSTS123456: Something new.', aadsts: [123456] }, entra);
    expect(diagnosis.code.code).toBe('IDP_REJECTED');
    expect(diagnosis.hint).toContain('"AADSTS123456: Something new."');
    expect(diagnosis.hint).toContain('https://login.microsoftonline.com/error?code=123456');
  });

  it('no refusal, of any product, grant or OAuth error, is left without a hint', () => {
    const urls = [
      'https://auth.example.com/token',
      'https://sso.example.com/realms/acme/protocol/openid-connect/token',
      'https://dev-1.okta.com/oauth2/default/v1/token',
      'https://acme.eu.auth0.com/oauth/token',
      'https://sso.example.com/as/token.oauth2',
      'https://auth.example.com/oauth2/token',
      'https://login.microsoftonline.com/t/oauth2/v2.0/token',
    ];
    const errors = [undefined, 'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'access_denied', 'server_error', 'temporarily_unavailable', 'authorization_pending', 'slow_down', 'invalid_target', 'made_up_error'];
    const unexplained: string[] = [];
    for (const url of urls) {
      for (const grant of ['client_credentials', 'authorization_code', 'refresh_token', 'device_code'] as const) {
        for (const error of errors) {
          for (const status of [400, 401, 403, 404]) {
            for (const aadsts of [[], [5000224], [50020], [999999]]) {
              const diagnosis = diagnoseRefusal({ status, error, description: 'Something odd', aadsts }, context(url, { grant }));
              if (!diagnosis.hint?.trim()) unexplained.push(`${url} ${grant} ${status} ${error} ${aadsts.join()} → ${diagnosis.code.code}`);
            }
          }
        }
      }
    }
    expect(unexplained).toEqual([]);
  });

  it('AADSTS5000224: the tenant was deleted or decommissioned, for any grant and whatever the OAuth error', () => {
    for (const grant of ['client_credentials', 'authorization_code'] as const) {
      const diagnosis = diagnoseRefusal(
        { status: 400, error: 'invalid_grant', description: 'AADSTS5000224: We are sorry, this resource is not available. If you are seeing this message by mistake, please contact Microsoft support.', aadsts: [5000224] },
        { ...entra, grant },
      );
      expect(diagnosis.code.code).toBe('TENANT_NOT_FOUND');
      expect(diagnosis.hint).toMatch(/deleted or deactivated/);
      expect(diagnosis.hint).toContain('9660ad26-896d-4438-a013-e3ee23b57b7c');
    }
  });

  it('AADSTS50020 and 90072: the account signed in with is not in the tenant (a sign-in failure)', () => {
    for (const code of [50020, 90072]) {
      const diagnosis = diagnoseRefusal(
        { status: 400, error: 'invalid_request', description: `AADSTS${code}: User account 'ada@outlook.com' from identity provider 'live.com' does not exist in tenant 'Contoso'.`, aadsts: [code] },
        { ...entra, grant: 'authorization_code', profile: 'sso' },
      );
      expect(diagnosis.code.code).toBe('ACCOUNT_NOT_IN_TENANT');
      expect(diagnosis.hint).toContain('tokenctl login -p sso --prompt select_account');
      expect(diagnosis.hint).toMatch(/guest/);
    }
  });

  it('other sign-in AADSTS codes: assignment required, Conditional Access on the device, admin consent, tenant restrictions', () => {
    const signIn = { ...entra, grant: 'authorization_code' as const };
    const code = (aadsts: number) => diagnoseRefusal({ status: 400, error: 'invalid_request', aadsts: [aadsts] }, signIn);
    expect(code(50105)).toMatchObject({ code: { code: 'ACCESS_DENIED' }, hint: expect.stringContaining('Users and groups') });
    expect(code(53000)).toMatchObject({ code: { code: 'CONDITIONAL_ACCESS_BLOCKED' } });
    expect(code(90094)).toMatchObject({ code: { code: 'CONSENT_REQUIRED' }, hint: expect.stringContaining('admin consent') });
    expect(code(500021)).toMatchObject({ code: { code: 'ACCESS_DENIED' }, hint: expect.stringContaining('tenant restriction') });
  });

  it('Auth0 "Service not enabled within domain": the audience names no API of the tenant', () => {
    const diagnosis = diagnoseRefusal(
      { status: 403, error: 'access_denied', description: 'Service not enabled within domain: https://api.example.com/orders', aadsts: [] },
      context('https://acme.eu.auth0.com/oauth/token', { audience: 'https://api.example.com/orders' }),
    );
    expect(diagnosis.code.code).toBe('RESOURCE_NOT_FOUND');
    expect(diagnosis.hint).toContain('--audience');
    expect(diagnosis.hint).toContain('"https://api.example.com/orders"');
  });

  it('Auth0 "Client has not been granted scopes": grant them in the API\'s Machine to Machine Applications', () => {
    const diagnosis = diagnoseRefusal({ status: 403, error: 'access_denied', description: 'Client has not been granted scopes: read:users', aadsts: [] }, context('https://acme.eu.auth0.com/oauth/token', { scope: 'read:users' }));
    expect(diagnosis.code.code).toBe('SCOPE_INVALID');
    expect(diagnosis.hint).toContain('(read:users)');
    expect(diagnosis.hint).toContain('Machine to Machine Applications');
    const generic = diagnoseRefusal({ status: 403, error: 'access_denied', description: 'Client has not been granted scopes: read:users', aadsts: [] }, context('https://auth.example.com/token'));
    expect(generic.code.code).toBe('SCOPE_INVALID');
    expect(generic.hint).not.toMatch(/Auth0|Machine to Machine/);
  });
});
