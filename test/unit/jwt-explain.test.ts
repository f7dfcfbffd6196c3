import { describe, expect, it } from 'vitest';
import { headerNotes, issuerClaimNotes, payloadNotes, tokenObservations } from '../../src/jwt/claims.js';
import { explainToken, unmetExpectations } from '../../src/jwt/explain.js';
import { parseCompactJwt } from '../../src/jwt/parse.js';
import { rawToken } from '../support/tokens.js';

const entraApp = { iss: 'https://login.microsoftonline.com/t/v2.0', tid: 't', roles: ['Solver'], azpacr: '2', ver: '2.0', iat: 1000, exp: 4600 };

describe('claim notes', () => {
  it('explains well-known claims in payload order, with their source', () => {
    const notes = payloadNotes({ aud: 'x', custom: 1, azpacr: '1', idtyp: 'app', xms_ftd: 'z' });
    expect(notes.map((n) => n.name)).toEqual(['aud', 'azpacr', 'idtyp', 'xms_ftd']);
    expect(notes[1]).toMatchObject({ source: 'Entra ID', note: expect.stringContaining('a client secret') });
    expect(notes[2]?.note).toContain('app-only');
    expect(notes[3]?.note).toContain('xms_ prefix');
  });
  it('ignores claims named like Object.prototype members', () => {
    expect(payloadNotes(JSON.parse('{"constructor":1,"valueOf":[],"__proto__":{},"toString":"x"}'))).toEqual([]);
    expect(headerNotes({ hasOwnProperty: 1 })).toEqual([]);
  });
  it('explains azpacr 0 and 2', () => {
    expect(payloadNotes({ azpacr: '0' })[0]?.note).toContain('public client');
    expect(payloadNotes({ appidacr: '2' })[0]?.note).toContain('certificate');
  });
  it('flags a Microsoft Graph header nonce and an at+jwt type', () => {
    expect(headerNotes({ nonce: 'n' })[0]?.note).toContain('only Graph can verify');
    expect(headerNotes({ typ: 'at+jwt' })[0]?.note).toContain('RFC 9068');
  });
});

describe('tokenObservations', () => {
  const texts = (notes: Array<{ id: string; text: string }>) => notes.map((note) => note.text);
  it('calls an Entra token with roles and no scp app-only, each note with a stable id', () => {
    expect(tokenObservations({ alg: 'RS256' }, entraApp, 'sig')).toEqual([
      { id: 'entra-app-only', text: expect.stringContaining('App-only token: it carries roles and no scp') },
      { id: 'lifetime', text: 'Issued for 60 minutes (iat to exp).' },
    ]);
  });
  it('calls an Entra token with scp delegated', () => {
    expect(tokenObservations({}, { ...entraApp, scp: 'User.Read' }, 'sig')[0]).toMatchObject({ id: 'entra-delegated', text: expect.stringContaining('Delegated token') });
  });
  it('never says "carries roles" of an Entra token without roles or scp, even with idtyp app, and gives the consent fix', () => {
    for (const payload of [{ tid: 't' }, { tid: 't', idtyp: 'app' }]) {
      const notes = tokenObservations({}, payload, 'sig');
      expect(notes[0]).toMatchObject({ id: 'entra-no-permissions', text: expect.stringContaining('Grant admin consent') });
      expect(texts(notes).join(' ')).not.toContain('carries roles');
    }
  });
  it('notices unsigned tokens and ID tokens', () => {
    const notes = tokenObservations({ alg: 'none' }, { nonce: 'n' }, '');
    expect(notes).toContainEqual({ id: 'unsecured', text: 'Unsecured token (alg "none" or no signature): anyone could have written it; never accept it.' });
    expect(notes.some((n) => n.id === 'id-token')).toBe(true);
  });
  it('recognises a generic client-credentials access token', () => {
    expect(tokenObservations({}, { client_id: 'svc', sub: 'svc', scope: 'a b' }, 's')[0]).toMatchObject({ id: 'oauth-client-credentials' });
  });
  it('names Keycloak, Okta, Auth0 and PingOne tokens, and one that grants nothing, without Entra advice', () => {
    const keycloak = tokenObservations({}, { iss: 'https://sso.example.com/realms/acme', azp: 'erp', preferred_username: 'service-account-erp', realm_access: { roles: ['offline_access'] } }, 's');
    expect(keycloak[0]).toEqual({ id: 'keycloak-token', text: 'Keycloak access token issued to a client (client credentials).' });
    const okta = tokenObservations({}, { iss: 'https://dev-1.okta.com/oauth2/default', cid: 'svc', sub: 'svc', ver: 1, scp: ['orders.read'] }, 's');
    expect(okta[0]?.id).toBe('okta-token');
    const auth0 = tokenObservations({}, { iss: 'https://acme.eu.auth0.com/', gty: 'client-credentials', azp: 'svc', sub: 'svc@clients' }, 's');
    expect(auth0.map((note) => note.id)).toEqual(['auth0-token', 'no-permissions']);
    expect(auth0[1]?.text).toContain('Machine to Machine Applications');
    expect(texts(auth0).join(' ')).not.toMatch(/Entra|admin consent|roles nor scp/);
    expect(tokenObservations({}, { iss: 'https://auth.pingone.eu/4b7e1a52-3f0e-4d5c-9a61-0c2f6b9d8e11/as', env: 'e', client_id: 'c', scope: 'x' }, 's')[0]?.id).toBe('pingone-token');
  });
});

describe('issuerClaimNotes', () => {
  it('explains Keycloak, Okta, Auth0 and PingOne claims in their terms, and keeps Entra readings for Entra', () => {
    const keycloak = issuerClaimNotes({ iss: 'https://sso/realms/acme', realm_access: { roles: [] }, resource_access: {}, scope: 'profile' });
    expect(keycloak.map((n) => [n.name, n.source])).toEqual([
      ['iss', 'RFC 7519'],
      ['realm_access', 'Keycloak'],
      ['resource_access', 'Keycloak'],
      ['scope', 'Keycloak'],
    ]);
    const okta = issuerClaimNotes({ iss: 'https://dev-1.okta.com/oauth2/default', cid: 'c', ver: 1, scp: ['a'] });
    expect(okta.find((n) => n.name === 'scp')?.note).toContain('custom scopes of the authorization server');
    expect(okta.find((n) => n.name === 'ver')?.note).not.toContain('requestedAccessTokenVersion');
    const auth0 = issuerClaimNotes({ iss: 'https://acme.auth0.com/', gty: 'client-credentials', permissions: ['read:orders'], 'https://acme.com/tenant': 't' });
    expect(auth0.map((n) => n.name)).toEqual(['iss', 'gty', 'permissions', 'https://acme.com/tenant']);
    expect(auth0[1]?.note).toContain('client credentials');
    expect(issuerClaimNotes({ tid: 't', scp: 'x' }).find((n) => n.name === 'scp')?.source).toBe('Entra ID');
  });
});

describe('explainToken', () => {
  it('collects times, validity and signature facts as data', () => {
    const token = parseCompactJwt(rawToken({ alg: 'RS256', kid: 'k1' }, { iat: 1767225600, exp: 1767229200 }));
    const ex = explainToken(token, new Date('2026-01-01T00:30:00Z'));
    expect(ex.times).toEqual([
      { name: 'iat', value: 1767225600, iso: '2026-01-01T00:00:00Z', relative: '30m ago' },
      { name: 'exp', value: 1767229200, iso: '2026-01-01T01:00:00Z', relative: 'in 30m' },
    ]);
    expect(ex.validity.state).toBe('valid');
    expect(ex.signature).toEqual({ algorithm: 'RS256', keyId: 'k1', present: true });
  });
});

describe('unmetExpectations', () => {
  it('accepts a matching string or array audience and exact issuer', () => {
    expect(unmetExpectations({ aud: 'a', iss: 'i' }, { audience: 'a', issuer: 'i' })).toEqual([]);
    expect(unmetExpectations({ aud: ['b', 'a'] }, { audience: 'a' })).toEqual([]);
  });
  it('explains each mismatch', () => {
    expect(unmetExpectations({ aud: 'b', iss: 'https://x/' }, { audience: 'a', issuer: 'https://x' })).toEqual([
      'aud is "b", expected "a"',
      'iss is "https://x/", expected "https://x"',
    ]);
    expect(unmetExpectations({}, { audience: 'a', issuer: 'i' })).toEqual([
      'the token has no aud claim; expected "a"',
      'the token has no iss claim; expected "i"',
    ]);
  });
});
