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
    expect(note).toContain(`--expect-aud ${API}`);
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
