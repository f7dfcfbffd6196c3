import { describe, expect, it } from 'vitest';
import { headerNotes, payloadNotes, tokenObservations } from '../../src/jwt/claims.js';
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
  it('calls an Entra token with roles and no scp app-only', () => {
    expect(tokenObservations({ alg: 'RS256' }, entraApp, 'sig')).toEqual([
      expect.stringContaining('App-only token: it carries roles and no scp'),
      'Issued for 60 minutes (iat to exp).',
    ]);
  });
  it('calls an Entra token with scp delegated', () => {
    expect(tokenObservations({}, { ...entraApp, scp: 'User.Read' }, 'sig')[0]).toContain('Delegated token');
  });
  it('notices an app-only Entra token without roles (no consent)', () => {
    expect(tokenObservations({}, { tid: 't' }, 'sig')[0]).toContain('admin consent missing');
  });
  it('notices unsigned tokens and ID tokens', () => {
    const notes = tokenObservations({ alg: 'none' }, { nonce: 'n' }, '');
    expect(notes).toContain('Unsecured token (alg "none" or no signature): anyone could have written it; never accept it.');
    expect(notes.some((n) => n.includes('ID token'))).toBe(true);
  });
  it('recognises a generic client-credentials access token', () => {
    expect(tokenObservations({}, { client_id: 'svc', sub: 'svc', scope: 'a b' }, 's')[0]).toContain('client credentials');
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
