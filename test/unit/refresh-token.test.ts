import { describe, expect, it } from 'vitest';
import { profileAccounts, refreshTokenAccount } from '../../src/profiles/accounts.js';
import { bindingMismatch, parseRefreshToken, revocationMismatch, serializeRefreshToken, signInOwnerChanged, signInState, type RefreshTokenRecord } from '../../src/profiles/refresh-token.js';
import type { RequestSettings } from '../../src/oauth/settings.js';

const record: RefreshTokenRecord = {
  refreshToken: 'rt-1',
  issuedFor: { tokenUrl: 'https://idp.example/token', clientId: 'cli', issuer: 'https://idp.example', revocationUrl: 'https://idp.example/revoke' },
  signedInAt: '2026-11-29T10:00:00.000Z',
  user: 'ada',
};

describe('the stored refresh token and where it belongs', () => {
  it('round-trips, and a value that does not say where it belongs is not a record', () => {
    expect(parseRefreshToken(serializeRefreshToken(record))).toEqual(record);
    for (const stored of ['rt-bare-token-of-an-earlier-version', '{}', '{"v":1,"refreshToken":"x","signedInAt":"t"}', '{"v":2,"refreshToken":"x","signedInAt":"t","issuedFor":{"tokenUrl":"u","clientId":"c"}}', 'null', '[]']) {
      expect(parseRefreshToken(stored)).toBeUndefined();
    }
  });

  it('may be sent only to the token endpoint and client it was issued for', () => {
    expect(bindingMismatch(record.issuedFor, { tokenUrl: 'https://idp.example/token', clientId: 'cli', issuer: 'https://idp.example' })).toBeUndefined();
    // An explicit token URL where the sign-in had an issuer: the same endpoint, so the same server.
    expect(bindingMismatch(record.issuedFor, { tokenUrl: 'https://idp.example/token', clientId: 'cli' })).toBeUndefined();
    expect(bindingMismatch(record.issuedFor, { tokenUrl: 'https://evil.example/token', clientId: 'cli' })).toContain('now gets tokens from https://evil.example/token');
    expect(bindingMismatch(record.issuedFor, { tokenUrl: 'https://idp.example/token', clientId: 'other-client' })).toContain("client is now other-client");
    expect(bindingMismatch(record.issuedFor, { tokenUrl: 'https://idp.example/token', clientId: 'cli', issuer: 'https://idp.example/tenant-b' })).toContain('issuer is now');
  });

  it('is revoked only at the revocation endpoint the sign-in knew', () => {
    expect(revocationMismatch(record.issuedFor, new URL('https://idp.example/revoke'))).toBeUndefined();
    expect(revocationMismatch(record.issuedFor, new URL('https://evil.example/revoke'))).toContain('not https://evil.example/revoke');
    expect(revocationMismatch({ tokenUrl: 'u', clientId: 'c' }, new URL('https://idp.example/revoke'))).toContain('no revocation endpoint was known');
  });

  it('has its own account, which remove deletes with the secrets', () => {
    expect(refreshTokenAccount('sso')).toBe('sso:refresh-token');
    expect(profileAccounts('sso')).toContain('sso:refresh-token');
    expect(profileAccounts('sso')).toContain('sso:client-secret:1');
  });
});

describe('signInOwnerChanged: a configure that ends the sign-in', () => {
  const before: RequestSettings = { grant: 'authorization_code', issuer: 'https://idp.example', clientId: 'cli', scopes: ['email'], redirectPort: 8400 };
  it.each<[string, RequestSettings]>([
    ['issuer', { issuer: 'https://other.example' }],
    ['token URL', { issuer: undefined, tokenUrl: 'https://idp.example/token' }],
    ['tenant', { tenant: 'contoso.onmicrosoft.com' }],
    ['cloud', { cloud: 'usgov' }],
    ['authority host', { authorityHost: 'https://login.example' }],
    ['client ID', { clientId: 'other-client' }],
    ['grant', { grant: 'device_code' }],
    ['authorize URL', { authorizeUrl: 'https://idp.example/authorize' }],
    ['device authorization URL', { deviceAuthorizationUrl: 'https://idp.example/device' }],
    ['revocation URL', { revocationUrl: 'https://other.example/revoke' }],
    ['introspection URL', { introspectionUrl: 'https://other.example/introspect' }],
    ['userinfo URL', { userinfoUrl: 'https://other.example/me' }],
  ])('%s', (_name, change) => {
    expect(signInOwnerChanged(before, { ...before, ...change })).toBe(true);
  });
  it('not scopes, the redirect, the timeout or the proxy', () => {
    expect(signInOwnerChanged(before, { ...before, scopes: ['email', 'profile'], redirectPort: 8500, redirectHost: 'localhost', timeoutSeconds: 10, proxy: 'http://proxy:3128' })).toBe(false);
  });
});

describe('signInState: what doctor and show say, offline', () => {
  const settings: RequestSettings = { grant: 'authorization_code', tokenUrl: 'https://idp.example/token', clientId: 'cli' };
  it('signed in, signed out, or a refresh token that cannot be used', () => {
    expect(signInState(serializeRefreshToken(record), settings)).toEqual({ state: 'signed-in', signedInAt: record.signedInAt, user: 'ada' });
    expect(signInState(null, settings)).toEqual({ state: 'signed-out' });
    expect(signInState('bare-token', settings)).toMatchObject({ state: 'unusable', reason: expect.stringContaining('does not say') });
    expect(signInState(serializeRefreshToken(record), { ...settings, tokenUrl: 'https://evil.example/token' })).toMatchObject({ state: 'unusable' });
    expect(signInState(serializeRefreshToken(record), { ...settings, clientId: 'other' })).toMatchObject({ state: 'unusable' });
  });
  it("leaves an issuer's token endpoint, known only from its metadata, to the next refresh", () => {
    expect(signInState(serializeRefreshToken(record), { grant: 'authorization_code', issuer: 'https://idp.example', clientId: 'cli' })).toMatchObject({ state: 'signed-in' });
    expect(signInState(serializeRefreshToken(record), { grant: 'authorization_code', issuer: 'https://other.example', clientId: 'cli' })).toMatchObject({ state: 'unusable' });
  });
});
