import { describe, expect, it } from 'vitest';
import { parseCompactJwt } from '../../src/jwt/parse.js';
import { rawToken } from '../support/tokens.js';

function failure(token: string): { code: string; message: string; exitCode: number } {
  try {
    parseCompactJwt(token);
  } catch (error) {
    return error as { code: string; message: string; exitCode: number };
  }
  throw new Error('expected a failure');
}

describe('parseCompactJwt', () => {
  it('decodes header, payload and keeps the signature and compact form', () => {
    const token = rawToken({ alg: 'RS256', kid: 'k' }, { sub: 'ü', n: 1 }, 'c2ln');
    expect(parseCompactJwt(token)).toEqual({ header: { alg: 'RS256', kid: 'k' }, payload: { sub: 'ü', n: 1 }, signature: 'c2ln', compact: token });
  });

  it('accepts an unsecured token with an empty signature', () => {
    expect(parseCompactJwt(rawToken({ alg: 'none' }, { a: 1 }, '')).signature).toBe('');
  });

  it.each([
    [2, 'a.b'],
    [4, 'a.b.c.d'],
    [6, 'a.b.c.d.e.f'],
  ])('names the segment count (%i)', (count, token) => {
    expect(failure(token)).toMatchObject({ code: 'JWT_SEGMENT_COUNT', exitCode: 2, message: expect.stringContaining(`this input has ${count}`) });
  });

  it('recognises an encrypted token (JWE)', () => {
    expect(failure('eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d')).toMatchObject({ code: 'JWT_ENCRYPTED', message: expect.stringContaining("recipient's private key") });
  });

  it('recognises an opaque token', () => {
    expect(failure('2YotnFZFEjr1zCsicMWpAA')).toMatchObject({ code: 'OPAQUE_TOKEN', message: expect.stringContaining('opaque') });
  });

  it('names the segment and position of a character outside base64url', () => {
    const good = Buffer.from('{"a":1}').toString('base64url');
    expect(failure(`${good}.ab+c.sig`)).toMatchObject({ code: 'JWT_BAD_BASE64URL', message: expect.stringMatching(/payload segment .* "\+" at position 3 .*base64url/) });
    expect(failure(`e*J.${good}.sig`).message).toContain('header segment is not valid base64url: character "*" at position 2');
    expect(failure(`${good}.${good}.si g=`).message).toContain('signature segment');
    expect(failure(`${good}.${good}=.sig`).message).toContain("'=' (padding is not allowed in a JWT)");
  });

  it('calls a payload whose length base64url cannot produce truncated, showing the header', () => {
    expect(failure(`${Buffer.from('{"a":1}').toString('base64url')}.abcde.sig`)).toMatchObject({ code: 'JWT_TRUNCATED', message: expect.stringContaining('Its header decodes: {"a":1}') });
  });

  it.each([
    ['an ellipsis', (t: string) => `${t.slice(0, 40)}…${t.slice(-20)}`],
    ['three dots', (t: string) => `${t.slice(0, 40)}...${t.slice(-20)}`],
    ['a cut inside the payload', (t: string) => t.slice(0, t.indexOf('.') + 12)],
    ['a cut inside the header', (t: string) => t.slice(0, 10)],
    ['a cut before the signature', (t: string) => t.slice(0, t.lastIndexOf('.'))],
    ['dots that make five segments', (t: string) => `${t.split('.')[0]}.${t.split('.')[1]?.slice(0, 8)}...${t.slice(-6)}`],
  ])('names a token shortened by %s truncated, not encrypted or malformed', (_how, cut) => {
    const token = rawToken({ alg: 'RS256', typ: 'JWT' }, { sub: 'svc', roles: ['Orders.Read'], exp: 2000000000 }, 'c2lnbmF0dXJlLXNpZ25hdHVyZQ');
    const error = failure(cut(token));
    expect(error.code).toBe('JWT_TRUNCATED');
    expect(error.message).toMatch(/^the token is truncated/);
    expect(error.message).not.toMatch(/JWE|encrypted/);
  });

  it('rejects an empty header or payload', () => {
    expect(failure('.eyJhIjoxfQ.sig')).toMatchObject({ code: 'JWT_EMPTY_SEGMENT', message: 'the header segment is empty' });
    expect(failure('eyJhIjoxfQ..sig')).toMatchObject({ code: 'JWT_EMPTY_SEGMENT', message: 'the payload segment is empty' });
  });

  it('rejects bytes that are not UTF-8', () => {
    const bad = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url');
    expect(failure(`${bad}.${bad}.sig`)).toMatchObject({ code: 'JWT_NOT_UTF8', message: 'the header segment does not decode to UTF-8 text' });
  });

  it('rejects a segment that is not JSON, naming the segment', () => {
    expect(failure(rawToken({ alg: 'none' }, 'not json'))).toMatchObject({ code: 'JWT_NOT_JSON', message: expect.stringContaining('the payload segment is not JSON') });
  });

  it.each([
    ['an array', [1]],
    ['null', null],
    ['a number', 42],
    ['a string', '"text"'],
  ])('rejects JSON that is %s', (kind, value) => {
    const payload = typeof value === 'string' ? value : JSON.stringify(value);
    expect(failure(rawToken({ alg: 'none' }, payload))).toMatchObject({ code: 'JWT_NOT_OBJECT', message: `the payload segment is JSON but ${kind}, not an object` });
  });
});
